import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

// Response schemas after Nova's (nova/api/openstack/compute/schemas/flavors.py), with our exact fields.

const links = z.array(z.strictObject({ rel: z.string(), href: z.string() }));
const pageLinks = links.optional();

function summaryShape(version: ApiVersion): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = { id: z.string(), name: z.string(), links };
  if (atLeast(version, '2.55')) shape['description'] = z.string().nullable();
  return shape;
}

function detailShape(version: ApiVersion): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = {
    ...summaryShape(version),
    ram: z.number().int(),
    disk: z.number().int(),
    swap: atLeast(version, '2.75') ? z.number().int() : z.union([z.number().int(), z.literal('')]),
    'OS-FLV-EXT-DATA:ephemeral': z.number().int(),
    vcpus: z.number().int(),
    'os-flavor-access:is_public': z.boolean(),
  };
  if (!atLeast(version, '2.102')) {
    shape['OS-FLV-DISABLED:disabled'] = z.boolean();
    shape['rxtx_factor'] = z.union([z.number(), z.literal('')]);
  }
  if (atLeast(version, '2.61')) shape['extra_specs'] = z.record(z.string(), z.string());
  return shape;
}

/** GET /flavors (summaries) or /flavors/detail at a microversion. */
export function flavorsListSchema(version: ApiVersion, opts: { detail: boolean }): z.ZodType {
  const flavor = z.strictObject(opts.detail ? detailShape(version) : summaryShape(version));
  return z.strictObject({ flavors: z.array(flavor), flavors_links: pageLinks });
}

/** GET /flavors/{id}. */
export function flavorBodySchema(version: ApiVersion): z.ZodType {
  return z.strictObject({ flavor: z.strictObject(detailShape(version)) });
}

const specs = z.record(z.string(), z.string());

/** GET and POST /flavors/{id}/os-extra_specs: the flavor's specs, or those just written. */
export const extraSpecsSchema = z.strictObject({ extra_specs: specs });

/** GET and PUT /flavors/{id}/os-extra_specs/{key}: the one spec, `{"<key>": "<value>"}`. */
export const extraSpecItemSchema = specs.refine((item) => Object.keys(item).length === 1, {
  error: 'must have exactly one property',
});

/** GET /flavors/{id}/os-flavor-access and the addTenantAccess / removeTenantAccess actions: who may use it. */
export const flavorAccessListSchema = z.strictObject({
  flavor_access: z.array(z.strictObject({ flavor_id: z.string(), tenant_id: z.string() })),
});
