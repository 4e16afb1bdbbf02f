import { randomUUID } from 'node:crypto';
import { StateRules } from '../../domain/guards';
import { shelveServerWorkflow } from '../../workflows/shelve-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

/** shelve: 202; the guest is powered off and its disk uploaded to the image `<server name>-shelved`. */
export const shelve = defineAction({
  key: 'shelve',
  policy: 'os_compute_api:os-shelve:shelve',
  schema: noArgs,
  async handle(_body, call) {
    const image = { imageId: randomUUID(), name: `${call.instance.name}-shelved` };
    await startGuarded(call, {
      rule: StateRules.shelve,
      workflow: shelveServerWorkflow,
      input: (base) => ({ ...base, image }),
      operation: 'shelve',
    });
    return { status: 202 };
  },
});
