import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { liveMigrateServerWorkflow } from '../../workflows/live-migrate-server';
import { BadRequest } from '../errors';
import { authorize } from '../policy/enforce';
import { hostExists } from '../queries/hosts';
import { defineAction, guardState, startGuarded } from './action';

/**
 * Nova's os-migrateLive body across microversions: `host` and `block_migration` required (`"auto"` from 2.25),
 * `disk_over_commit` before 2.25, `force` from 2.30 until 2.68. The fake hypervisor always copies the disk.
 */
const migrateLiveBody = z.strictObject({
  host: z.string().min(1).max(255).nullable(),
  block_migration: z.union([z.boolean(), z.literal('auto')]),
  disk_over_commit: z.boolean().optional(),
  force: z.boolean().optional(),
});
export type MigrateLiveBody = z.infer<typeof migrateLiveBody>;

/** os-migrateLive (admin): the guest keeps running; 202 once admitted, progress in its migration record. */
export const osMigrateLive = defineAction({
  key: 'os-migrateLive',
  policy: 'os_compute_api:os-migrate-server:migrate_live',
  schema: migrateLiveBody,
  async handle(body, call) {
    if (body.host !== null) authorize(call.ctx, 'os_compute_api:os-migrate-server:migrate_live:host');
    guardState(StateRules.liveMigrate, call);
    if (body.host !== null) {
      if (!(await hostExists(call.sql, body.host)))
        throw new BadRequest(`Compute host ${body.host} could not be found.`);
      if (body.host === call.instance.host) {
        throw new BadRequest(`Unable to migrate instance (${call.instance.uuid}) to current host (${body.host}).`);
      }
    }
    await startGuarded(call, {
      rule: StateRules.liveMigrate,
      workflow: liveMigrateServerWorkflow,
      input: (base) => ({ ...base, targetHost: body.host }),
      operation: 'live-migration',
      target: body.host === null ? undefined : `to ${body.host}`,
    });
    return { status: 202 };
  },
});
