import { StateRules } from '../../domain/guards';
import { unpauseServerWorkflow } from '../../workflows/unpause-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

/** unpause: PAUSED back to ACTIVE; 202 at admission. */
export const unpause = defineAction({
  key: 'unpause',
  policy: 'os_compute_api:os-pause-server:unpause',
  schema: noArgs,
  async handle(_body, call) {
    await startGuarded(call, {
      rule: StateRules.unpause,
      workflow: unpauseServerWorkflow,
      input: (base) => base,
      operation: 'unpause',
    });
    return { status: 202 };
  },
});
