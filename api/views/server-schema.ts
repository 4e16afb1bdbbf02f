import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

// Response schemas after Nova's (nova/api/openstack/compute/schemas/servers.py), with our exact timestamp
// formats: tests parse every server body with the schema of the microversion it was asked at.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

const uuid = z.string().regex(UUID);
const links = z.array(z.strictObject({ rel: z.string(), href: z.string() }));
const stringMap = z.record(z.string(), z.string());

const STATUSES = [
  'ACTIVE',
  'BUILD',
  'DELETED',
  'ERROR',
  'HARD_REBOOT',
  'MIGRATING',
  'PASSWORD',
  'PAUSED',
  'REBOOT',
  'REBUILD',
  'RESCUE',
  'RESIZE',
  'REVERT_RESIZE',
  'SHELVED',
  'SHELVED_OFFLOADED',
  'SHUTOFF',
  'SOFT_DELETED',
  'SUSPENDED',
  'UNKNOWN',
  'VERIFY_RESIZE',
] as const;

const address = z.strictObject({
  addr: z.string(),
  version: z.union([z.literal(4), z.literal(6)]),
  'OS-EXT-IPS:type': z.enum(['fixed', 'floating']),
  'OS-EXT-IPS-MAC:mac_addr': z.string(),
});

const flavorBefore247 = z.strictObject({ id: z.string(), links });
const flavorFrom247 = z.strictObject({
  vcpus: z.number().int(),
  ram: z.number().int(),
  disk: z.number().int(),
  ephemeral: z.number().int(),
  swap: z.number().int(),
  original_name: z.string(),
  extra_specs: stringMap.optional(),
});

function imageSchema(version: ApiVersion): z.ZodType {
  const properties = atLeast(version, '2.98') ? { properties: z.record(z.string(), z.string().nullable()) } : {};
  return z.union([z.literal(''), z.strictObject({ id: uuid, links, ...properties })]);
}

function baseShape(version: ApiVersion): z.ZodRawShape {
  return {
    id: uuid,
    name: z.string().nullable(),
    status: z.enum(STATUSES),
    tenant_id: z.string(),
    user_id: z.string(),
    metadata: stringMap,
    hostId: z.string(),
    image: imageSchema(version),
    flavor: atLeast(version, '2.47') ? flavorFrom247 : flavorBefore247,
    created: z.string().regex(ISO_SECONDS),
    updated: z.string().regex(ISO_SECONDS),
    addresses: z.record(z.string(), z.array(address)),
    accessIPv4: z.string(),
    accessIPv6: z.string(),
    links,
    'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']),
    fault: z
      .strictObject({
        code: z.number().int(),
        created: z.string().regex(ISO_SECONDS),
        message: z.string(),
        details: z.string().optional(),
      })
      .optional(),
    progress: z.number().int().min(0).max(100).nullable().optional(),
    'OS-EXT-AZ:availability_zone': z.string(),
    config_drive: z.enum(['', 'True', 'False']).nullable(),
    key_name: z.string().nullable(),
    'OS-SRV-USG:launched_at': z.string().regex(PERFECT_TIME).nullable(),
    'OS-SRV-USG:terminated_at': z.string().regex(PERFECT_TIME).nullable(),
    security_groups: z.array(z.strictObject({ name: z.string() })).optional(),
    'OS-EXT-STS:task_state': z.string().nullable(),
    'OS-EXT-STS:vm_state': z.string().nullable(),
    'OS-EXT-STS:power_state': z.literal([0, 1, 3, 4, 6, 7]),
    'os-extended-volumes:volumes_attached': z.array(
      atLeast(version, '2.3')
        ? z.strictObject({ id: z.string(), delete_on_termination: z.boolean() })
        : z.strictObject({ id: z.string() }),
    ),
  };
}

/** Behind policy (admins by default), so optional in the schema as in Nova's. */
function extendedAttributesShape(version: ApiVersion): z.ZodRawShape {
  const shape: z.ZodRawShape = {
    'OS-EXT-SRV-ATTR:host': z.string().nullable().optional(),
    'OS-EXT-SRV-ATTR:hypervisor_hostname': z.string().nullable().optional(),
    'OS-EXT-SRV-ATTR:instance_name': z.string().optional(),
  };
  if (!atLeast(version, '2.3')) return shape;
  return {
    ...shape,
    'OS-EXT-SRV-ATTR:hostname': atLeast(version, '2.90') ? z.string() : z.string().optional(),
    'OS-EXT-SRV-ATTR:kernel_id': z.string().nullable().optional(),
    'OS-EXT-SRV-ATTR:launch_index': z.number().int().nullable().optional(),
    'OS-EXT-SRV-ATTR:ramdisk_id': z.string().nullable().optional(),
    'OS-EXT-SRV-ATTR:reservation_id': z.string().nullable().optional(),
    'OS-EXT-SRV-ATTR:root_device_name': z.string().nullable().optional(),
    'OS-EXT-SRV-ATTR:user_data': z.string().max(65535).nullable().optional(),
  };
}

function microversionShape(version: ApiVersion, inList: boolean): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = {};
  const since = (min: string, key: string, schema: z.ZodType) => {
    if (atLeast(version, min)) shape[key] = schema;
  };
  since('2.9', 'locked', z.boolean());
  since('2.16', 'host_status', z.enum(['UP', 'DOWN', 'MAINTENANCE', 'UNKNOWN', '']).optional());
  since('2.19', 'description', z.string().nullable());
  since('2.26', 'tags', z.array(z.string()).max(50));
  since('2.63', 'trusted_image_certificates', z.array(z.string()).nullable());
  if (!inList) since('2.71', 'server_groups', z.array(uuid).max(1));
  since('2.73', 'locked_reason', z.string().nullable());
  since('2.96', 'pinned_availability_zone', z.string().nullable());
  since('2.100', 'scheduler_hints', z.record(z.string(), z.unknown()));
  return shape;
}

/**
 * The strict schema of one server body (`{"server": <this>}`) at a microversion; `inList` for an entry of
 * GET /servers/detail, which never carries server_groups.
 */
export function serverBodySchema(version: ApiVersion, opts: { inList?: boolean } = {}): z.ZodType {
  return z.strictObject({
    ...baseShape(version),
    ...extendedAttributesShape(version),
    ...microversionShape(version, opts.inList ?? false),
  });
}

/** An entry of GET /servers. */
export const serverSummarySchema = z.strictObject({ id: uuid, name: z.string().nullable(), links });

/** Fields of Nova's update and rebuild replies before 2.75 (update_response..., rebuild_response ..._v273). */
const REDUCED_BEFORE_275 = [
  'id',
  'name',
  'status',
  'tenant_id',
  'user_id',
  'metadata',
  'hostId',
  'image',
  'flavor',
  'created',
  'updated',
  'addresses',
  'accessIPv4',
  'accessIPv6',
  'links',
  'OS-DCF:diskConfig',
  'fault',
  'progress',
  'locked',
  'description',
  'tags',
  'key_name',
  'trusted_image_certificates',
  'server_groups',
  'locked_reason',
];

/**
 * The strict schema of the server in a rebuild's 202 (`{"server": <this>}`), after Nova's rebuild_response
 * schemas: a reduced view before 2.75 (key_name from 2.54), the full one from 2.75 without
 * `OS-EXT-SRV-ATTR:user_data`; `adminPass` always (enable_instance_password), `user_data` from 2.57.
 */
export function rebuildBodySchema(version: ApiVersion): z.ZodType {
  const full = fullShape(version);
  const shown = ([key]: [string, unknown]) =>
    key !== 'OS-EXT-SRV-ATTR:user_data' &&
    (key !== 'key_name' || atLeast(version, '2.54')) &&
    (atLeast(version, '2.75') || REDUCED_BEFORE_275.includes(key));
  const shape = Object.fromEntries(Object.entries(full).filter(shown));
  return z.strictObject({
    ...shape,
    progress: z.number().int().min(0).max(100),
    adminPass: z.string(),
    ...(atLeast(version, '2.57') ? { user_data: z.string().max(65535).nullable() } : {}),
  });
}

/**
 * The strict schema of the server in the 200 reply of PUT /servers/{id} (`{"server": <this>}`), after Nova's
 * update_response schemas: a reduced view before 2.75 (without key_name, unlike rebuild's), GET's from 2.75.
 */
export function updateBodySchema(version: ApiVersion): z.ZodType {
  if (atLeast(version, '2.75')) return serverBodySchema(version);
  const shown = ([key]: [string, unknown]) => key !== 'key_name' && REDUCED_BEFORE_275.includes(key);
  return z.strictObject(Object.fromEntries(Object.entries(fullShape(version)).filter(shown)));
}

function fullShape(version: ApiVersion): z.ZodRawShape {
  return { ...baseShape(version), ...extendedAttributesShape(version), ...microversionShape(version, false) };
}
