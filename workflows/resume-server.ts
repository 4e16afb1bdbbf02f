import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/**
 * resume: resuming, then active with power_state 1 (only active servers can be suspended, so "the state
 * before the suspend" is always active); a failure rolls back to suspended.
 */
export async function resumeServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.resume,
      action: 'resume',
      taskStates: [TaskState.Resuming],
      hypervisorStep: 'resume',
      summary: 'resume',
      vmState: VmState.Active,
    },
    input,
  );
}
