import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation, type GuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/**
 * restore: a soft-deleted server back, held to its project's quota; restoring while its host powers the guest
 * on, then active with power_state 1. A failure keeps it SOFT_DELETED with the fault.
 */
export const RESTORE: GuestOperation = {
  rule: StateRules.restore,
  action: 'restore',
  taskStates: [TaskState.Restoring],
  hypervisorStep: 'powerOn',
  summary: 'power on (restore)',
  vmState: VmState.Active,
  admission: 'admitRestore',
};

/**
 * restore of a soft-deleted server whose soft delete's run is no longer waiting (an operator cancelled it): the
 * run that waits takes restore as an update instead (soft-delete-server.ts).
 */
export async function restoreServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(RESTORE, input);
}
