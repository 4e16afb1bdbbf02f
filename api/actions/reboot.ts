import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { rebootServerWorkflow } from '../../workflows/reboot-server';
import { defineAction, startGuarded } from './action';

/** Nova's reboot schema: `type` is SOFT or HARD, in any of the case spellings Nova lists. */
const rebootBody = z.strictObject({
  type: z.enum(['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']),
});
export type RebootBody = z.infer<typeof rebootBody>;

export const reboot = defineAction({
  key: 'reboot',
  policy: 'os_compute_api:servers:reboot',
  schema: rebootBody,
  async handle(body, call) {
    const hard = body.type.toUpperCase() === 'HARD';
    await startGuarded(call, {
      rule: hard ? StateRules.rebootHard : StateRules.rebootSoft,
      workflow: rebootServerWorkflow,
      input: (base) => ({ ...base, hard }),
      operation: hard ? 'reboot-hard' : 'reboot',
    });
    return { status: 202 };
  },
});
