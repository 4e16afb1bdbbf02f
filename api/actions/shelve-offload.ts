import { StateRules } from '../../domain/guards';
import { shelveOffloadServerWorkflow } from '../../workflows/shelve-offload-server';
import { shelvedDecisionUpdate } from '../../workflows/shelve/messages';
import { defineAction, guardState, handOverOrStart, requesterOf } from './action';
import { noArgs } from './no-args';

/** shelveOffload (admin, as Nova's default policy): 202; the shelved server leaves its host now. */
export const shelveOffload = defineAction({
  key: 'shelveOffload',
  policy: 'os_compute_api:os-shelve:shelve_offload',
  schema: noArgs,
  async handle(_body, call) {
    guardState(StateRules.shelveOffload, call);
    // A shelve still waiting to offload the server by itself holds its workflow ID: that run admits and offloads
    // it now.
    const decision = { requester: requesterOf(call.ctx), next: 'shelveOffload' } as const;
    await handOverOrStart(call, shelvedDecisionUpdate, decision, {
      rule: StateRules.shelveOffload,
      workflow: shelveOffloadServerWorkflow,
      input: (base) => base,
      operation: 'shelveOffload',
    });
    return { status: 202 };
  },
});
