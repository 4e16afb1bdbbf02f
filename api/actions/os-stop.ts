import { StateRules } from '../../domain/guards';
import { stopServerWorkflow } from '../../workflows/stop-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

export const osStop = defineAction({
  key: 'os-stop',
  policy: 'os_compute_api:servers:stop',
  schema: noArgs,
  async handle(_body, call) {
    await startGuarded(call, {
      rule: StateRules.stop,
      workflow: stopServerWorkflow,
      input: (base) => base,
      operation: 'stop',
    });
    return { status: 202 };
  },
});
