import { z } from 'zod';
import type { ApiVersion } from '../microversion';
import { quotaResourcesAt } from './quota-set';

// Response schemas after Nova's (nova/api/openstack/compute/schemas/quota_sets.py).

const limit = z.number().int().min(-1);
const detail = z.strictObject({ in_use: z.number().int(), limit, reserved: z.literal(0) });

function resources<T extends z.ZodType>(version: ApiVersion, value: T): Record<string, T> {
  return Object.fromEntries(quotaResourcesAt(version).map((r) => [r, value]));
}

/** GET /os-quota-sets/{project}[/defaults]; PUT answers without the id. */
export function quotaSetSchema(version: ApiVersion, opts: { withId: boolean }): z.ZodType {
  const id = opts.withId ? { id: z.string() } : {};
  return z.strictObject({ quota_set: z.strictObject({ ...id, ...resources(version, limit) }) });
}

/** GET /os-quota-sets/{project}/detail. */
export function quotaSetDetailSchema(version: ApiVersion): z.ZodType {
  return z.strictObject({ quota_set: z.strictObject({ id: z.string(), ...resources(version, detail) }) });
}
