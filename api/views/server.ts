import { PROGRESS_STATUSES, serverStatus } from '../../domain/states';
import type { InstanceRow } from '../../domain/rows';
import { bookmarkLink, selfLinks, type Link } from '../links';
import { atLeast, type ApiVersion } from '../microversion';
import { hostnameOf } from '../../domain/hostname';
import { hasPorts, hostIdFor, instanceName, rootDeviceName } from './server-fields';
import type { HostFacts, ServerViewRow } from './server-row';
import { isoTime, isoTimeText, perfectTime } from './time';

export { rebuildBodySchema, serverBodySchema, serverSummarySchema, updateBodySchema } from './server-schema';

export type ServerRow = InstanceRow & HostFacts;
export type { HostFacts, ServerViewRow };

export interface ServerViewContext {
  baseUrl: string;
  version: ApiVersion;
  isAdmin: boolean;
  /** Overrides the host_status admins see from 2.16. */
  hostStatus?: string;
  /** An entry of GET /servers/detail: Nova shows server_groups only for a single server. */
  inList?: boolean;
}

export type ServerBody = Record<string, unknown>;

const FAULT_STATUSES: readonly string[] = ['ERROR', 'DELETED'];
const DEFAULT_AVAILABILITY_ZONE = 'nova';

/** An entry of GET /servers: `{id, name, links}`. */
export function serverSummaryView(row: ServerViewRow, ctx: Pick<ServerViewContext, 'baseUrl'>): ServerBody {
  return { id: row.uuid, name: row.name, links: selfLinks(ctx.baseUrl, 'servers', row.uuid) };
}

/** The server of GET /servers/{id} (and an entry of /servers/detail) as Nova shows it at ctx.version. */
export function serverDetailView(row: ServerViewRow, ctx: ServerViewContext): ServerBody {
  const status = row.deleted ? 'DELETED' : serverStatus(row.vm_state, row.task_state);
  const server: ServerBody = {
    id: row.uuid,
    name: row.name,
    status,
    tenant_id: row.project_id,
    user_id: row.user_id,
    metadata: row.metadata,
    hostId: hostIdFor(row.project_id, row.host),
    image: imageRef(row, ctx),
    flavor: flavorRef(row, ctx),
    created: isoTime(row.created_at),
    updated: isoTime(row.updated_at),
    addresses: {},
    accessIPv4: row.access_ipv4,
    accessIPv6: row.access_ipv6,
    links: selfLinks(ctx.baseUrl, 'servers', row.uuid),
    'OS-DCF:diskConfig': row.disk_config,
  };
  if (FAULT_STATUSES.includes(status) && row.fault) server['fault'] = faultView(row.fault, ctx.isAdmin);
  if (PROGRESS_STATUSES.includes(status)) server['progress'] = row.progress;
  server['OS-EXT-AZ:availability_zone'] = availabilityZone(row);
  server['config_drive'] = row.config_drive;
  server['key_name'] = row.key_name;
  server['OS-SRV-USG:launched_at'] = row.launched_at ? perfectTime(row.launched_at) : null;
  server['OS-SRV-USG:terminated_at'] = row.terminated_at ? perfectTime(row.terminated_at) : null;
  if (hasPorts(row)) server['security_groups'] = [{ name: 'default' }];
  if (ctx.isAdmin) addExtendedServerAttributes(server, row, ctx.version);
  server['OS-EXT-STS:task_state'] = row.task_state;
  server['OS-EXT-STS:vm_state'] = row.vm_state;
  server['OS-EXT-STS:power_state'] = row.power_state;
  server['os-extended-volumes:volumes_attached'] = [];
  addMicroversionFields(server, row, ctx);
  return server;
}

/**
 * What Nova's update and rebuild replies show before 2.75: show() with the extensions off (no zone, states,
 * usage...).
 */
const REDUCED_REPLY_KEYS: readonly string[] = [
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
];
/** ...plus these from the microversion that brought them. */
const REDUCED_REPLY_KEYS_SINCE: readonly (readonly [string, string])[] = [
  ['locked', '2.9'],
  ['description', '2.19'],
  ['tags', '2.26'],
  ['trusted_image_certificates', '2.63'],
  ['server_groups', '2.71'],
  ['locked_reason', '2.73'],
];

function reducedView(full: ServerBody, version: ApiVersion, extra: readonly (readonly [string, string])[]) {
  const keep = new Set([
    ...REDUCED_REPLY_KEYS,
    ...[...REDUCED_REPLY_KEYS_SINCE, ...extra].filter(([, since]) => atLeast(version, since)).map(([key]) => key),
  ]);
  return Object.fromEntries(Object.entries(full).filter(([key]) => keep.has(key)));
}

/**
 * The server in the 202 reply of a rebuild, at ctx.version: from 2.75 the full view of GET /servers/{id}
 * except `OS-EXT-SRV-ATTR:user_data` (Nova puts the user data at the top level from 2.57 instead), before
 * that the reduced view, with key_name from 2.54. The caller adds `adminPass` and `user_data`.
 */
export function rebuildServerView(row: ServerViewRow, ctx: ServerViewContext): ServerBody {
  const full = serverDetailView(row, { ...ctx, inList: false });
  delete full['OS-EXT-SRV-ATTR:user_data'];
  if (atLeast(ctx.version, '2.75')) return full;
  return reducedView(full, ctx.version, [['key_name', '2.54']]);
}

/** The server in the reply of PUT /servers/{id}: the reduced view before 2.75, GET /servers/{id}'s from it. */
export function updateServerView(row: ServerViewRow, ctx: ServerViewContext): ServerBody {
  const full = serverDetailView(row, { ...ctx, inList: false });
  return atLeast(ctx.version, '2.75') ? full : reducedView(full, ctx.version, []);
}

function imageRef(row: ServerViewRow, ctx: ServerViewContext): ServerBody | '' {
  // Volume-backed servers have no image: Nova sends an empty string, not null.
  if (!row.image_id) return '';
  const image: ServerBody = { id: row.image_id, links: [bookmarkLink(ctx.baseUrl, 'images', row.image_id)] };
  if (atLeast(ctx.version, '2.98')) image['properties'] = {};
  return image;
}

function flavorRef(row: ServerViewRow, ctx: ServerViewContext): ServerBody {
  const { flavor } = row;
  if (!atLeast(ctx.version, '2.47')) {
    const links: Link[] = [bookmarkLink(ctx.baseUrl, 'flavors', flavor.id)];
    return { id: flavor.id, links };
  }
  return {
    vcpus: flavor.vcpus,
    ram: flavor.memory_mb,
    disk: flavor.root_gb,
    ephemeral: flavor.ephemeral_gb,
    swap: flavor.swap_mb,
    original_name: flavor.name,
    extra_specs: flavor.extra_specs,
  };
}

function faultView(fault: NonNullable<InstanceRow['fault']>, isAdmin: boolean): ServerBody {
  const view: ServerBody = { code: fault.code, created: isoTimeText(fault.created), message: fault.message };
  // Nova hides a 500's details (a traceback) from non-admins, and leaves out empty details for everyone.
  if (fault.details && (isAdmin || fault.code !== 500)) view['details'] = fault.details;
  return view;
}

function availabilityZone(row: ServerViewRow): string {
  if (!row.host) return row.availability_zone ?? '';
  return row.host_availability_zone ?? row.availability_zone ?? DEFAULT_AVAILABILITY_ZONE;
}

// The two below add to the server in place, in Nova's key order: a list builds a thousand servers at a time.
function addExtendedServerAttributes(server: ServerBody, row: ServerViewRow, version: ApiVersion): void {
  server['OS-EXT-SRV-ATTR:host'] = row.host;
  server['OS-EXT-SRV-ATTR:instance_name'] = instanceName(row.seq);
  server['OS-EXT-SRV-ATTR:hypervisor_hostname'] = row.node;
  if (!atLeast(version, '2.3')) return;
  server['OS-EXT-SRV-ATTR:hostname'] = hostnameOf(row);
  server['OS-EXT-SRV-ATTR:kernel_id'] = '';
  server['OS-EXT-SRV-ATTR:launch_index'] = 0;
  server['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
  server['OS-EXT-SRV-ATTR:reservation_id'] = row.reservation_id;
  server['OS-EXT-SRV-ATTR:root_device_name'] = rootDeviceName(row);
  server['OS-EXT-SRV-ATTR:user_data'] = row.user_data ?? null;
}

function addMicroversionFields(fields: ServerBody, row: ServerViewRow, ctx: ServerViewContext): void {
  const v = ctx.version;
  if (atLeast(v, '2.9')) fields['locked'] = row.locked;
  if (atLeast(v, '2.16') && ctx.isAdmin) {
    fields['host_status'] = ctx.hostStatus ?? row.host_status ?? (row.host ? 'UP' : '');
  }
  if (atLeast(v, '2.19')) fields['description'] = row.description;
  if (atLeast(v, '2.26')) fields['tags'] = [];
  if (atLeast(v, '2.63')) fields['trusted_image_certificates'] = null;
  if (atLeast(v, '2.71') && !ctx.inList) fields['server_groups'] = [];
  if (atLeast(v, '2.73')) fields['locked_reason'] = row.locked_reason;
  if (atLeast(v, '2.90') && !ctx.isAdmin) fields['OS-EXT-SRV-ATTR:hostname'] = hostnameOf(row);
  // The requested zone only (Nova reads it from the request spec), not the one the scheduler picked.
  if (atLeast(v, '2.96')) fields['pinned_availability_zone'] = row.availability_zone;
  if (atLeast(v, '2.100')) fields['scheduler_hints'] = {};
}
