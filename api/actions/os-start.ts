import { StateRules } from '../../domain/guards';
import { startServerWorkflow } from '../../workflows/start-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

export const osStart = defineAction({
  key: 'os-start',
  policy: 'os_compute_api:servers:start',
  schema: noArgs,
  async handle(_body, call) {
    await startGuarded(call, {
      rule: StateRules.start,
      workflow: startServerWorkflow,
      input: (base) => base,
      operation: 'start',
    });
    return { status: 202 };
  },
});
