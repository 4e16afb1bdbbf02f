import { z } from 'zod';
import { atLeast } from '../microversion';
import {
  addTenantAccessBody,
  extraSpecsCreateBody,
  extraSpecUpdateBody,
  flavorCreateBody,
  flavorCreateBodyV21,
  flavorUpdateBody,
  removeTenantAccessBody,
} from '../schemas/flavor';
import {
  extraSpecItemSchema,
  extraSpecsSchema,
  flavorAccessListSchema,
  flavorBodySchema,
} from '../views/flavor-schema';
import { COMPUTE_ERRORS, COMPUTE_WRITE_ERRORS, constant, type OperationSpec } from './spec';

const flavors = { api: 'compute', tag: 'flavors' } as const;
const admin = { ...flavors, adminOnly: true } as const;
const extraSpecs = { api: 'compute', tag: 'flavor extra specs' } as const;
const access = { api: 'compute', tag: 'flavor access', adminOnly: true } as const;

/** os-flavor-manage, os-extra_specs and os-flavor-access (the reads of flavors are resource operations). */
export const FLAVOR_OPERATIONS: OperationSpec[] = [
  {
    ...admin,
    method: 'post',
    path: '/v2.1/flavors',
    summary: 'Create a flavor (with a description from 2.55)',
    body: (v) => (atLeast(v, '2.55') ? flavorCreateBody : flavorCreateBodyV21),
    // Nova answers 200, not 201.
    responses: [{ status: 200, description: 'The created flavor', schema: flavorBodySchema }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...admin,
    method: 'put',
    path: '/v2.1/flavors/{id}',
    summary: "Change a flavor's description",
    since: '2.55',
    body: constant(flavorUpdateBody),
    responses: [{ status: 200, description: 'The changed flavor', schema: flavorBodySchema }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...admin,
    method: 'delete',
    path: '/v2.1/flavors/{id}',
    summary: 'Delete a flavor (servers keep their copy)',
    responses: [{ status: 202, description: 'Deleted' }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...extraSpecs,
    method: 'get',
    path: '/v2.1/flavors/{flavor_id}/os-extra_specs',
    summary: "List a flavor's extra specs",
    responses: [{ status: 200, description: 'The extra specs', schema: constant(extraSpecsSchema) }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...extraSpecs,
    adminOnly: true,
    method: 'post',
    path: '/v2.1/flavors/{flavor_id}/os-extra_specs',
    summary: 'Add or replace extra specs',
    body: constant(extraSpecsCreateBody),
    responses: [{ status: 200, description: 'The specs written', schema: constant(extraSpecsSchema) }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...extraSpecs,
    method: 'get',
    path: '/v2.1/flavors/{flavor_id}/os-extra_specs/{key}',
    summary: 'Show one extra spec',
    responses: [{ status: 200, description: '{"<key>": "<value>"}', schema: constant(extraSpecItemSchema) }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...extraSpecs,
    adminOnly: true,
    method: 'put',
    path: '/v2.1/flavors/{flavor_id}/os-extra_specs/{key}',
    summary: "Set one extra spec: the body's only key is the URI's",
    body: constant(extraSpecUpdateBody),
    responses: [{ status: 200, description: '{"<key>": "<value>"}', schema: constant(extraSpecItemSchema) }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...extraSpecs,
    adminOnly: true,
    method: 'delete',
    path: '/v2.1/flavors/{flavor_id}/os-extra_specs/{key}',
    summary: 'Delete one extra spec',
    responses: [{ status: 202, description: 'Deleted' }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...access,
    method: 'get',
    path: '/v2.1/flavors/{flavor_id}/os-flavor-access',
    summary: 'List the projects that may use a private flavor (404 for a public one)',
    responses: [{ status: 200, description: 'Access list', schema: constant(flavorAccessListSchema) }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...access,
    method: 'post',
    path: '/v2.1/flavors/{flavor_id}/action',
    summary: 'Grant (addTenantAccess) or withdraw (removeTenantAccess) a project access to a private flavor',
    body: constant(z.union([addTenantAccessBody, removeTenantAccessBody])),
    responses: [
      { status: 200, description: 'The access list after the change', schema: constant(flavorAccessListSchema) },
    ],
    errors: COMPUTE_WRITE_ERRORS,
  },
];
