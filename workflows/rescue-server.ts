import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { RescueServerInput } from './inputs';

/**
 * rescue: rescuing, then rescued (status RESCUE): the guest boots a rescue disk made from the rescue image,
 * its own disk attached and untouched. A failure keeps the vm_state, as the reference's driver refusal does;
 * the API has already answered 200.
 */
export async function rescueServerWorkflow(input: RescueServerInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.rescue,
      action: 'rescue',
      taskStates: [TaskState.Rescuing],
      hypervisorStep: { name: 'rescue', imageId: input.rescueImageId },
      summary: 'rescue',
      vmState: VmState.Rescued,
    },
    input,
  );
}
