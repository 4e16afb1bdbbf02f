import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { runGuestOperation } from './guest-operation';
import type { RebootServerInput } from './inputs';

const SOFT = [TaskState.Rebooting, TaskState.RebootPending, TaskState.RebootStarted] as const;
const HARD = [TaskState.RebootingHard, TaskState.RebootPendingHard, TaskState.RebootStartedHard] as const;

/** reboot SOFT/HARD: Nova's three task_states each, then active; a failed reboot leaves the instance in error. */
export async function rebootServerWorkflow(input: RebootServerInput): Promise<void> {
  const kind = input.hard ? 'hard' : 'soft';
  await runGuestOperation(
    {
      rule: input.hard ? StateRules.rebootHard : StateRules.rebootSoft,
      action: 'reboot',
      taskStates: input.hard ? HARD : SOFT,
      hypervisorStep: 'reboot',
      summary: `${kind} reboot`,
      vmState: VmState.Active,
      failedVmState: VmState.Error,
    },
    input,
  );
}
