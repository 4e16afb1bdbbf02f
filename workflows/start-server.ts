import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/** os-start: powering-on, then active with power_state 1; on failure the vm_state is kept. */
export async function startServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.start,
      action: 'start',
      taskStates: [TaskState.PoweringOn],
      hypervisorStep: 'powerOn',
      summary: 'power on',
      vmState: VmState.Active,
    },
    input,
  );
}
