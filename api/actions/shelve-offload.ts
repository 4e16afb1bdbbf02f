import { StateRules } from '../../domain/guards';
import { shelveOffloadServerWorkflow } from '../../workflows/shelve-offload-server';
import { endOffloadWaitUpdate } from '../../workflows/shelve/messages';
import { defineAction, guardState, requesterOf, startGuarded } from './action';
import { noArgs } from './no-args';

/** shelveOffload (admin, as Nova's default policy): 202; the shelved server leaves its host now. */
export const shelveOffload = defineAction({
  key: 'shelveOffload',
  policy: 'os_compute_api:os-shelve:shelve_offload',
  schema: noArgs,
  async handle(_body, call) {
    guardState(StateRules.shelveOffload, call);
    // The shelve may still be waiting to offload by itself: that wait ends, this request offloads now.
    await call.operations.endWait(call.instance.uuid, endOffloadWaitUpdate, requesterOf(call.ctx));
    await startGuarded(call, {
      rule: StateRules.shelveOffload,
      workflow: shelveOffloadServerWorkflow,
      input: (base) => base,
      operation: 'shelveOffload',
    });
    return { status: 202 };
  },
});
