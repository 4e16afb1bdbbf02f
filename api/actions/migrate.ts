import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { resizeServerWorkflow } from '../../workflows/resize-server';
import { BadRequest } from '../errors';
import { atLeast } from '../microversion';
import { authorize } from '../policy/enforce';
import { hostExists } from '../queries/hosts';
import { defineAction, guardState, startGuarded } from './action';

/** `null` before 2.56; from 2.56 an object with an optional target host. */
const migrateBody = z.union([z.null(), z.strictObject({ host: z.string().min(1).max(255).nullable().optional() })]);
export type MigrateBody = z.infer<typeof migrateBody>;

/** migrate (cold): same flavor, another host; naming the host is an admin's (Nova's default policy). */
export const migrate = defineAction({
  key: 'migrate',
  policy: 'os_compute_api:os-migrate-server:migrate',
  schema: migrateBody,
  async handle(body, call) {
    const host = body?.host ?? null;
    if (host !== null && !atLeast(call.version, '2.56')) {
      throw new BadRequest(
        `Invalid input for field/attribute migrate. Value: ${JSON.stringify(body)}. ` +
          "Additional properties are not allowed ('host' was unexpected)",
      );
    }
    if (host !== null) authorize(call.ctx, 'os_compute_api:os-migrate-server:migrate:host');
    guardState(StateRules.migrate, call);
    if (host !== null) {
      if (!(await hostExists(call.sql, host))) throw new BadRequest(`Compute host ${host} could not be found.`);
      if (host === call.instance.host) throw new BadRequest('Cannot migrate to the host where the server exists.');
    }
    await startGuarded(call, {
      rule: StateRules.migrate,
      workflow: resizeServerWorkflow,
      input: (base) => ({ ...base, newFlavor: null, targetHost: host }),
      operation: 'migrate',
      target: host === null ? undefined : `to ${host}`,
    });
    return { status: 202 };
  },
});
