import { conductorOn } from './activities';
import type { LockServerInput, UnlockServerInput } from './inputs';

// Nova allows lock and unlock in any state, mid-operation too, so their runs do not take the instance's workflow
// ID: a lock lands while a migration runs, and refuses the operations asked for after it. Each is one conductor
// write; whether the server was there, and the API answers 404 when it was not.

export async function lockServerWorkflow(input: LockServerInput): Promise<boolean> {
  const { instanceUuid, requester, by, reason } = input;
  return conductorOn(input.settings).setServerLock({ instanceUuid, requester, change: { lock: true, by, reason } });
}

export async function unlockServerWorkflow(input: UnlockServerInput): Promise<boolean> {
  const { instanceUuid, requester } = input;
  return conductorOn(input.settings).setServerLock({ instanceUuid, requester, change: { lock: false } });
}
