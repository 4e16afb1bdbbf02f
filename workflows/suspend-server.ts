import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/** suspend: suspending, then suspended with power_state 7; a failure rolls back to the vm_state it had. */
export async function suspendServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.suspend,
      action: 'suspend',
      taskStates: [TaskState.Suspending],
      hypervisorStep: 'suspend',
      summary: 'suspend',
      vmState: VmState.Suspended,
    },
    input,
  );
}
