import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/** pause: pausing, then paused with power_state 3; on failure the vm_state is kept. */
export async function pauseServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.pause,
      action: 'pause',
      taskStates: [TaskState.Pausing],
      hypervisorStep: 'pause',
      summary: 'pause',
      vmState: VmState.Paused,
    },
    input,
  );
}
