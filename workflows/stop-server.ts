import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/** os-stop: powering-off, then stopped with power_state 4; on failure the vm_state is kept. */
export async function stopServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.stop,
      action: 'stop',
      taskStates: [TaskState.PoweringOff],
      hypervisorStep: 'powerOff',
      summary: 'power off',
      vmState: VmState.Stopped,
    },
    input,
  );
}
