import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/** unpause: unpausing, then active with power_state 1; on failure the vm_state is kept. */
export async function unpauseServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.unpause,
      action: 'unpause',
      taskStates: [TaskState.Unpausing],
      hypervisorStep: 'unpause',
      summary: 'unpause',
      vmState: VmState.Active,
    },
    input,
  );
}
