import { StateRules } from '../domain/guards';
import { conductorOn } from './activities';
import { AdmissionGate } from './admission';
import type { ResetStateInput } from './inputs';

/**
 * os-resetState: one conductor write under the instance's workflow ID, after the API has cancelled and waited
 * out whatever ran there. Holding the ID is what keeps a reset from being overwritten: no other operation runs
 * on the instance while it is written, and none resumes afterwards.
 */
export async function resetStateWorkflow(input: ResetStateInput): Promise<void> {
  const { instanceUuid, requester, settings, vmState } = input;
  const gate = new AdmissionGate();
  await gate.admit(() =>
    conductorOn(settings).resetState({
      ...requester,
      instanceUuid,
      rule: StateRules.resetState,
      action: 'resetState',
      taskState: null,
      requireHost: false,
      vmState,
    }),
  );
}
