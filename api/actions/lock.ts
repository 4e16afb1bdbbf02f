import { z } from 'zod';
import { lockServerWorkflow, unlockServerWorkflow } from '../../workflows/lock-server';
import type { LockServerInput, UnlockServerInput } from '../../workflows/inputs';
import { atLeast } from '../microversion';
import { authorize } from '../policy/enforce';
import { runServerTask } from '../server-task';
import { defineAction, requesterOf, type ActionCall } from './action';
import { noArgs } from './no-args';

/** From 2.73 `null` or `{"locked_reason": …}`; before it any value, and no reason is kept. */
const lockBody = z.strictObject({ locked_reason: z.string().min(1).max(255).optional() }).nullable();
const anyLockBody = noArgs.transform(() => null);

/** Nova's locked_by: `owner` when the caller's project owns the server, `admin` for anyone else. */
function holderFor(call: ActionCall): 'owner' | 'admin' {
  return call.instance.project_id === call.ctx.projectId ? 'owner' : 'admin';
}

/**
 * lock: 202 once the lock is written. Until it is lifted every action that Nova guards with its lock check is a
 * 409 for anyone but an admin, here and again at each operation's admission. No state check: it can be taken
 * mid-operation. The owner locking a locked server changes nothing, as in Nova.
 */
export const lock = defineAction({
  key: 'lock',
  policy: 'os_compute_api:os-lock-server:lock',
  schema: lockBody,
  schemaAt: (version) => (atLeast(version, '2.73') ? lockBody : anyLockBody),
  async handle(body, call) {
    const by = holderFor(call);
    if (by === 'owner' && call.instance.locked) return { status: 202 };
    const input: LockServerInput = {
      instanceUuid: call.instance.uuid,
      requester: requesterOf(call.ctx),
      by,
      reason: body?.locked_reason ?? null,
      settings: call.operations.settings,
    };
    await runServerTask(call.operations, {
      task: 'lock',
      workflow: lockServerWorkflow,
      input,
      instance: call.instance,
      ctx: call.ctx,
      summary: `lock server ${call.instance.name}, requested by ${call.ctx.userId}`,
    });
    return { status: 202 };
  },
});

/**
 * unlock: 202 once the lock is lifted. A lock held by the other side (an admin's, for the owner; the owner's, for
 * an admin from another project) takes the unlock_override rule as well: admins only by default.
 */
export const unlock = defineAction({
  key: 'unlock',
  policy: 'os_compute_api:os-lock-server:unlock',
  schema: noArgs,
  async handle(_body, call) {
    const { instance, ctx } = call;
    if (instance.locked_by !== null && instance.locked_by !== holderFor(call)) {
      authorize(ctx, 'os_compute_api:os-lock-server:unlock:unlock_override', { projectId: instance.project_id });
    }
    const input: UnlockServerInput = {
      instanceUuid: instance.uuid,
      requester: requesterOf(ctx),
      settings: call.operations.settings,
    };
    await runServerTask(call.operations, {
      task: 'unlock',
      workflow: unlockServerWorkflow,
      input,
      instance,
      ctx,
      summary: `unlock server ${instance.name}, requested by ${ctx.userId}`,
    });
    return { status: 202 };
  },
});
