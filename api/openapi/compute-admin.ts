import { z } from 'zod';
import { atLeast } from '../microversion';
import { repairBody } from '../routes/allocation-audit';
import { updateSchema as quotaSetUpdateBody } from '../routes/quota-sets';
import { body253, legacyBody, legacyBody211 } from '../routes/services';
import { availabilityZonesSchema } from '../views/availability-zone';
import { hypervisorBodySchema, hypervisorsListSchema } from '../views/hypervisor-schema';
import { migrationsListSchema } from '../views/migration-schema';
import { quotaSetDetailSchema, quotaSetSchema } from '../views/quota-set-schema';
import { servicesListSchema, serviceUpdateSchema } from '../views/service';
import { COMPUTE_ERRORS, COMPUTE_WRITE_ERRORS, constant, type OperationSpec } from './spec';

const admin = { api: 'compute', adminOnly: true } as const;
const adminReadErrors = [...COMPUTE_ERRORS, 403];

const allocationAudit = z.strictObject({
  allocation_audit: z.strictObject({
    orphaned_allocations: z.array(
      z.strictObject({
        consumer_uuid: z.string(),
        host: z.string(),
        vcpus: z.number().int(),
        memory_mb: z.number().int(),
        disk_gb: z.number().int(),
        reason: z.string(),
      }),
    ),
    missing_allocations: z.array(z.strictObject({ instance_uuid: z.string(), host: z.string() })),
    overcommitted_hosts: z.array(
      z.strictObject({ host: z.string(), resource: z.string(), used: z.number(), usable: z.number() }),
    ),
  }),
});

const repairOutcome = z.enum(['removed', 'restored', 'skipped']);
const allocationRepair = z.strictObject({
  allocation_repair: z.strictObject({
    orphaned_allocations: z.array(
      z.strictObject({ consumer_uuid: z.string(), host: z.string(), outcome: repairOutcome }),
    ),
    missing_allocations: z.array(
      z.strictObject({ instance_uuid: z.string(), host: z.string(), outcome: repairOutcome }),
    ),
  }),
});

/** Hypervisors, services, availability zones, migrations, quotas and the allocation audit. */
export const ADMIN_OPERATIONS: OperationSpec[] = [
  ...(['', '/detail'] as const).map((suffix): OperationSpec => ({
    ...admin,
    tag: 'hypervisors',
    method: 'get',
    path: `/v2.1/os-hypervisors${suffix}`,
    summary: suffix ? 'List hypervisors with details' : 'List hypervisors',
    responses: [
      { status: 200, description: 'Hypervisors', schema: (v) => hypervisorsListSchema(v, { detail: !!suffix }) },
    ],
    errors: adminReadErrors,
  })),
  {
    ...admin,
    tag: 'hypervisors',
    method: 'get',
    path: '/v2.1/os-hypervisors/{id}',
    summary: 'Show a hypervisor',
    responses: [{ status: 200, description: 'The hypervisor', schema: hypervisorBodySchema }],
    errors: adminReadErrors,
  },
  {
    ...admin,
    tag: 'services',
    method: 'get',
    path: '/v2.1/os-services',
    summary: 'List compute services',
    responses: [{ status: 200, description: 'Services', schema: servicesListSchema }],
    errors: adminReadErrors,
  },
  {
    ...admin,
    tag: 'services',
    method: 'put',
    path: '/v2.1/os-services/{id}',
    summary: 'Enable, disable or force down a compute service (an action name before 2.53, its id from then)',
    body: (v) => (atLeast(v, '2.53') ? body253 : atLeast(v, '2.11') ? legacyBody211 : legacyBody),
    responses: [{ status: 200, description: 'The changed service', schema: serviceUpdateSchema }],
    errors: [...COMPUTE_WRITE_ERRORS, 503],
  },
  {
    api: 'compute',
    tag: 'availability zones',
    method: 'get',
    path: '/v2.1/os-availability-zone',
    summary: 'List availability zones',
    responses: [{ status: 200, description: 'Zones', schema: constant(availabilityZonesSchema) }],
    errors: COMPUTE_ERRORS,
  },
  {
    ...admin,
    tag: 'availability zones',
    method: 'get',
    path: '/v2.1/os-availability-zone/detail',
    summary: 'List availability zones with their hosts',
    responses: [{ status: 200, description: 'Zones', schema: constant(availabilityZonesSchema) }],
    errors: adminReadErrors,
  },
  {
    ...admin,
    tag: 'migrations',
    method: 'get',
    path: '/v2.1/os-migrations',
    summary: 'List migrations (cold, resize, live, evacuation)',
    responses: [{ status: 200, description: 'Migrations', schema: migrationsListSchema }],
    errors: adminReadErrors,
  },
  {
    ...admin,
    tag: 'allocations',
    method: 'get',
    path: '/v2.1/os-allocation-audit',
    summary: 'Audit allocations: orphaned, missing, over-committed (beyond Nova)',
    responses: [{ status: 200, description: 'Empty lists when the books balance', schema: constant(allocationAudit) }],
    errors: adminReadErrors,
  },
  {
    ...admin,
    tag: 'allocations',
    method: 'post',
    path: '/v2.1/os-allocation-audit/repair',
    summary: 'Repair listed audit findings through the conductor, each re-checked first (beyond Nova)',
    body: constant(repairBody),
    responses: [{ status: 200, description: 'The outcome of each finding', schema: constant(allocationRepair) }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    api: 'compute',
    tag: 'quotas',
    method: 'get',
    path: '/v2.1/os-quota-sets/{project}',
    summary: "Show a project's quotas (another project's: admins)",
    responses: [{ status: 200, description: 'Quotas', schema: (v) => quotaSetSchema(v, { withId: true }) }],
    errors: adminReadErrors,
  },
  {
    api: 'compute',
    tag: 'quotas',
    method: 'get',
    path: '/v2.1/os-quota-sets/{project}/defaults',
    summary: 'Show the default quotas',
    responses: [{ status: 200, description: 'Quotas', schema: (v) => quotaSetSchema(v, { withId: true }) }],
    errors: adminReadErrors,
  },
  {
    api: 'compute',
    tag: 'quotas',
    method: 'get',
    path: '/v2.1/os-quota-sets/{project}/detail',
    summary: "Show a project's quotas with usage",
    responses: [{ status: 200, description: 'Quotas and usage', schema: quotaSetDetailSchema }],
    errors: adminReadErrors,
  },
  {
    ...admin,
    tag: 'quotas',
    method: 'put',
    path: '/v2.1/os-quota-sets/{project}',
    summary: "Update a project's quotas",
    body: quotaSetUpdateBody,
    responses: [{ status: 200, description: 'Quotas', schema: (v) => quotaSetSchema(v, { withId: false }) }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...admin,
    tag: 'quotas',
    method: 'delete',
    path: '/v2.1/os-quota-sets/{project}',
    summary: "Revert a project's quotas to the defaults",
    responses: [{ status: 202, description: 'Reverted' }],
    errors: COMPUTE_WRITE_ERRORS,
  },
];
