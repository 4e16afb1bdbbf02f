import { StateRules } from '../../domain/guards';
import { pauseServerWorkflow } from '../../workflows/pause-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

/** pause: ACTIVE to PAUSED (power_state 3); 202 at admission. */
export const pause = defineAction({
  key: 'pause',
  policy: 'os_compute_api:os-pause-server:pause',
  schema: noArgs,
  async handle(_body, call) {
    await startGuarded(call, {
      rule: StateRules.pause,
      workflow: pauseServerWorkflow,
      input: (base) => base,
      operation: 'pause',
    });
    return { status: 202 };
  },
});
