import { StateRules } from '../../domain/guards';
import { unrescueServerWorkflow } from '../../workflows/unrescue-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

/** unrescue: RESCUE back to ACTIVE from the guest's own disk; 202 at admission. */
export const unrescue = defineAction({
  key: 'unrescue',
  policy: 'os_compute_api:os-unrescue',
  schema: noArgs,
  async handle(_body, call) {
    await startGuarded(call, {
      rule: StateRules.unrescue,
      workflow: unrescueServerWorkflow,
      input: (base) => base,
      operation: 'unrescue',
    });
    return { status: 202 };
  },
});
