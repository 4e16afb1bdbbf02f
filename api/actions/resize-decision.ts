import { StateRules } from '../../domain/guards';
import { NOT_RESIZED, confirmResizeUpdate, revertResizeUpdate } from '../../workflows/resize/messages';
import { BadRequest } from '../errors';
import { defineAction, guardState, type ActionCall } from './action';
import { noArgs } from './no-args';

async function decide(call: ActionCall, which: 'confirm' | 'revert'): Promise<void> {
  guardState(which === 'confirm' ? StateRules.confirmResize : StateRules.revertResize, call);
  const { ctx } = call;
  await call.operations.update(
    call.instance.uuid,
    which === 'confirm' ? confirmResizeUpdate : revertResizeUpdate,
    { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId },
    () => new BadRequest(NOT_RESIZED),
  );
}

/** confirmResize: 204 once the resize workflow accepted the decision; the source side goes asynchronously. */
export const confirmResize = defineAction({
  key: 'confirmResize',
  policy: 'os_compute_api:servers:confirm_resize',
  schema: noArgs,
  async handle(_body, call) {
    await decide(call, 'confirm');
    return { status: 204 };
  },
});

/** revertResize: 202; the instance shows REVERT_RESIZE until it runs on its source again. */
export const revertResize = defineAction({
  key: 'revertResize',
  policy: 'os_compute_api:servers:revert_resize',
  schema: noArgs,
  async handle(_body, call) {
    await decide(call, 'revert');
    return { status: 202 };
  },
});
