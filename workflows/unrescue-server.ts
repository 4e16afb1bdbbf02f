import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';

/** unrescue: unrescuing, then active from its own disk; a failure leaves the instance in error, as in Nova. */
export async function unrescueServerWorkflow(input: InstanceOperationInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.unrescue,
      action: 'unrescue',
      taskStates: [TaskState.Unrescuing],
      hypervisorStep: 'unrescue',
      summary: 'unrescue',
      vmState: VmState.Active,
      failedVmState: VmState.Error,
    },
    input,
  );
}
