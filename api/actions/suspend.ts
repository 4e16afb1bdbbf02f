import { StateRules } from '../../domain/guards';
import { suspendServerWorkflow } from '../../workflows/suspend-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

/** suspend: ACTIVE to SUSPENDED (power_state 7); 202 at admission. */
export const suspend = defineAction({
  key: 'suspend',
  policy: 'os_compute_api:os-suspend-server:suspend',
  schema: noArgs,
  async handle(_body, call) {
    await startGuarded(call, {
      rule: StateRules.suspend,
      workflow: suspendServerWorkflow,
      input: (base) => base,
      operation: 'suspend',
    });
    return { status: 202 };
  },
});
