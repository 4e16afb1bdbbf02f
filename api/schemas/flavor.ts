import { z } from 'zod';
import { booleanBody } from './parameter-types';
import { nameParameter } from './create-server';

// nova/api/openstack/compute/schemas/flavor_manage.py and flavors_extraspecs.py, flavor_access.py.

const MAX_INT = 0x7fffffff;

/** parameter_types.flavor_param_positive / _non_negative: an integer or its decimal string. */
function flavorInteger(minimum: number) {
  return z
    .union([
      z.number().int(),
      z
        .string()
        .regex(/^\s*-?\d+\s*$/, { error: 'is not of type integer' })
        .transform(Number),
    ])
    .pipe(
      z
        .number()
        .int()
        .min(minimum, { error: (issue) => `${String(issue.input)} is less than the minimum of ${minimum}` })
        .max(MAX_INT, { error: (issue) => `${String(issue.input)} is greater than the maximum of ${MAX_INT}` }),
    );
}

/** A flavor id: letters, digits, `.`, `_`, `-` and inner spaces, 1–255; a number is taken as its string. */
const flavorId = z.union([z.string(), z.number().transform(String)]).pipe(
  z
    .string()
    .min(1)
    .max(255)
    .regex(/^(?! )[a-zA-Z0-9. _-]+(?<! )$/, {
      error: (issue) => `'${String(issue.input)}' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'`,
    }),
);

const description = z.string().max(65535).nullable();

/** POST /flavors (the 2.55 description included; Nova takes it from 2.55 only). */
export const flavorCreateBody = z.strictObject({
  flavor: z.strictObject({
    name: nameParameter,
    id: flavorId.nullable().optional(),
    ram: flavorInteger(1),
    vcpus: flavorInteger(1),
    disk: flavorInteger(0),
    'OS-FLV-EXT-DATA:ephemeral': flavorInteger(0).optional(),
    swap: z.union([z.literal('').transform(() => 0), flavorInteger(0)]).optional(),
    rxtx_factor: z.number().positive().max(3.40282e38).optional(),
    'os-flavor-access:is_public': booleanBody.optional(),
    description: description.optional(),
  }),
});
export type FlavorCreateBody = z.infer<typeof flavorCreateBody>;

/** POST /flavors before 2.55: no description. */
export const flavorCreateBodyV21 = z.strictObject({
  flavor: flavorCreateBody.shape.flavor.omit({ description: true }),
});

/** PUT /flavors/{id} (2.55): only the description changes. */
export const flavorUpdateBody = z.strictObject({ flavor: z.strictObject({ description }) });
export type FlavorUpdateBody = z.infer<typeof flavorUpdateBody>;

/** An extra spec key: letters, digits, `-_:.` and spaces, 1–255. */
export const extraSpecKey = z
  .string()
  .regex(/^[a-zA-Z0-9-_:. ]{1,255}$/, { error: (issue) => `'${String(issue.input)}' is not a valid key` });

// Nova takes strings, numbers and booleans as values and keeps them as strings.
const extraSpecValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)))
  .pipe(z.string().max(255));

export const extraSpecs = z.record(extraSpecKey, extraSpecValue);

/** POST /flavors/{id}/os-extra_specs. */
export const extraSpecsCreateBody = z.strictObject({ extra_specs: extraSpecs });
export type ExtraSpecsCreateBody = z.infer<typeof extraSpecsCreateBody>;

/** PUT /flavors/{id}/os-extra_specs/{key}: exactly that one key. */
export const extraSpecUpdateBody = extraSpecs.refine((specs) => Object.keys(specs).length === 1, {
  error: 'must have exactly one property',
});
export type ExtraSpecUpdateBody = z.infer<typeof extraSpecUpdateBody>;

const tenant = z.strictObject({ tenant: z.string().min(1).max(255) });

/** POST /flavors/{id}/action addTenantAccess / removeTenantAccess. */
export const addTenantAccessBody = z.strictObject({ addTenantAccess: tenant });
export const removeTenantAccessBody = z.strictObject({ removeTenantAccess: tenant });
