import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { EventName } from './events';
import { runGuestOperation } from './guest-operation';
import type { ChangePasswordInput } from './inputs';

/**
 * changePassword: updating_password while the host's guest agent sets the admin password, then no task. The
 * password travels sealed for the host (domain/sealed-secret.ts): this run, its history and the conductor only
 * ever hold the sealed form. On failure the server stays ACTIVE with the fault, as in Nova.
 */
export async function changePasswordWorkflow(input: ChangePasswordInput): Promise<void> {
  await runGuestOperation(
    {
      rule: StateRules.changePassword,
      action: 'changePassword',
      event: EventName.SetAdminPassword,
      taskStates: [TaskState.UpdatingPassword],
      hypervisorStep: { name: 'setAdminPassword', sealed: input.sealed },
      summary: 'set the admin password of',
      vmState: VmState.Active,
      promptly: true,
    },
    input,
  );
}
