import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { resetStateWorkflow } from '../../workflows/reset-state';
import { defineAction, startInterrupting } from './action';

/** Nova's reset_state schema: `state` is active or error, nothing else. */
const resetStateBody = z.strictObject({ state: z.enum(['active', 'error']) });

/**
 * os-resetState (admin): vm_state as asked, task_state none, recorded as a resetState action; 202 once written.
 * Nova overwrites the row under whatever still runs, which then fails or leaks; here the running operation is
 * cancelled first and rolls back (a resize waiting in VERIFY_RESIZE is confirmed, as before a delete), so its
 * claims are released and nothing resumes over the reset.
 */
export const resetState = defineAction({
  key: 'os-resetState',
  policy: 'os_compute_api:os-admin-actions:reset_state',
  schema: resetStateBody,
  async handle(body, call) {
    await startInterrupting(call, {
      rule: StateRules.resetState,
      workflow: resetStateWorkflow,
      input: (base) => ({ ...base, vmState: body.state }),
      operation: 'resetState',
      summary: `reset server ${call.instance.name} to ${body.state}, requested by ${call.ctx.userId}`,
      awaitClose: true,
    });
    return { status: 202 };
  },
});
