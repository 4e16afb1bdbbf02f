import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { resizeServerWorkflow } from '../../workflows/resize-server';
import { BadRequest } from '../errors';
import { getVisibleFlavor } from '../queries/flavors';
import { idFromRef } from '../schemas/create-server';
import { defineAction, guardState, startGuarded } from './action';
import { instanceFlavor } from './flavor';

const resizeBody = z.strictObject({
  flavorRef: z.union([z.string().min(1).max(255), z.number().int().positive()]),
  'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
});
export type ResizeBody = z.infer<typeof resizeBody>;

/** resize: a new flavor, on another host (or the same one when allowed). Ends in VERIFY_RESIZE. */
export const resize = defineAction({
  key: 'resize',
  policy: 'os_compute_api:servers:resize',
  schema: resizeBody,
  async handle(body, call) {
    guardState(StateRules.resize, call);
    const flavor = await getVisibleFlavor(call.sql, idFromRef(body.flavorRef), call.ctx);
    if (!flavor || flavor.disabled) throw new BadRequest('Unable to locate requested flavor.');
    if (flavor.id === call.instance.flavor.id) throw new BadRequest('Resize requires a flavor change.');
    await startGuarded(call, {
      rule: StateRules.resize,
      workflow: resizeServerWorkflow,
      input: (base) => ({ ...base, newFlavor: instanceFlavor(flavor), targetHost: null }),
      operation: 'resize',
      target: `to flavor ${flavor.name}`,
    });
    return { status: 202 };
  },
});
