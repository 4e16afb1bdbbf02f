import { z } from 'zod';
import { vmStatesForStatus } from '../../domain/states';
import type { RequestContext } from '../context';
import { BadRequest, Forbidden } from '../errors';
import { atLeast, type ApiVersion } from '../microversion';
import { authorize } from '../policy/enforce';
import {
  ACCEPTED_BOOL_STRINGS,
  dateTime,
  lastValues,
  nonNegativeInteger,
  parseQuery,
  rejectUnknownParams,
  strictBool,
} from './list-query';

// Every parameter Nova's GET /servers schema knows (schemas/servers.py index_query); most are accepted and
// not applied here. Unknown ones are ignored before 2.75 and a 400 from then on.
const KNOWN = [
  'user_id',
  'project_id',
  'tenant_id',
  'launch_index',
  'image_ref',
  'image',
  'kernel_id',
  'ramdisk_id',
  'hostname',
  'key_name',
  'power_state',
  'vm_state',
  'task_state',
  'host',
  'node',
  'flavor',
  'reservation_id',
  'launched_at',
  'terminated_at',
  'availability_zone',
  'name',
  'display_name',
  'description',
  'display_description',
  'locked_by',
  'uuid',
  'root_device_name',
  'config_drive',
  'access_ip_v4',
  'access_ip_v6',
  'auto_disk_config',
  'progress',
  'sort_key',
  'sort_dir',
  'all_tenants',
  'soft_deleted',
  'deleted',
  'status',
  'ip',
  'ip6',
  'created_at',
  'changes-since',
  'limit',
  'marker',
];
/** Filters on joined tables: known to the schema so that Nova can refuse them with its own message. */
const JOINED_TABLE = [
  'block_device_mapping',
  'services',
  'metadata',
  'system_metadata',
  'info_cache',
  'security_groups',
  'pci_devices',
];
const SINCE: Readonly<Record<string, readonly string[]>> = {
  '2.26': ['tags', 'tags-any', 'not-tags', 'not-tags-any'],
  '2.66': ['changes-before'],
  '2.73': ['locked'],
};

export const serverListSchema = z.object({
  limit: nonNegativeInteger.optional(),
  marker: z.string().optional(),
  'changes-since': dateTime.optional(),
  name: z.string().optional(),
  host: z.string().optional(),
  all_tenants: z.string().optional(),
  project_id: z.string().optional(),
  tenant_id: z.string().optional(),
  locked: z.string().optional(),
  deleted: z.string().optional(),
  hostname: z.string().optional(),
});

function knownParams(version: ApiVersion, values: Record<string, string>): Set<string> {
  const added = Object.entries(SINCE).flatMap(([min, names]) => (atLeast(version, min) ? names : []));
  // The schema's `^_` pattern lets private names through, for the filter check below to refuse.
  const underscored = Object.keys(values).filter((name) => name.startsWith('_'));
  return new Set([...KNOWN, ...JOINED_TABLE, ...added, ...underscored]);
}

export interface ServerListQuery {
  limit: number | undefined;
  marker: string | undefined;
  name: string | undefined;
  hostname: string | undefined;
  /** Undefined when no status was asked for; empty when none of the asked statuses is known. */
  status: string[] | undefined;
  host: string | undefined;
  allTenants: boolean;
  projectId: string | undefined;
  changesSince: Date | undefined;
  /** Locked servers only, or unlocked ones only (2.73; admins at any microversion, as Nova keeps their filters). */
  locked: boolean | undefined;
  /** Admins only: deleted and soft-deleted servers; Nova's lenient bool_from_string (anything else is false). */
  deleted: boolean | undefined;
}

/** Nova's strict bool_from_string for a query parameter: a 400 naming the values it takes otherwise. */
function strictBoolParam(value: string): boolean {
  const parsed = strictBool(value);
  if (parsed === undefined) {
    throw new BadRequest(
      `Invalid input received: Unrecognized value '${value}', acceptable values are: ${ACCEPTED_BOOL_STRINGS}`,
    );
  }
  return parsed;
}

/** Nova's `is_all_tenants`: present and empty means yes, otherwise a strict boolean string. */
function allTenantsOf(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === '') return true;
  return strictBoolParam(value);
}

function statusesOf(query: URLSearchParams, version: ApiVersion, ctx: RequestContext): string[] | undefined {
  if (!query.has('status')) return undefined;
  const statuses = query.getAll('status');
  const vmStates = statuses.flatMap((status) => vmStatesForStatus(status));
  if (vmStates.length === 0) {
    if (atLeast(version, '2.38')) throw new BadRequest('Invalid status value');
    return [];
  }
  if (vmStates.every((vm) => vm === 'deleted') && !ctx.isAdmin) {
    throw new Forbidden('Only administrators may list deleted instances');
  }
  return statuses;
}

/** Parses and checks GET /servers[/detail] parameters in Nova's order; policy failures are 403s. */
export function parseServerListQuery(
  query: URLSearchParams,
  call: { version: ApiVersion; ctx: RequestContext; detail: boolean },
): ServerListQuery {
  const { version, ctx } = call;
  const values = lastValues(query);
  if (atLeast(version, '2.75')) rejectUnknownParams(values, knownParams(version, values));
  const parsed = parseQuery(serverListSchema, values);
  // Nova silently drops what a non-admin may not filter on; admins are refused joined-table filters.
  const refused = Object.keys(values).find((name) => JOINED_TABLE.includes(name) || name.startsWith('_'));
  if (refused && ctx.isAdmin) throw new BadRequest(`Invalid filter field: ${refused}.`);
  const status = statusesOf(query, version, ctx);
  const allTenants = allTenantsOf(parsed.all_tenants);
  // Nova reads `locked` before it checks the all_tenants policy: a bad value is a 400 even then.
  const locked =
    parsed.locked !== undefined && (atLeast(version, '2.73') || ctx.isAdmin)
      ? strictBoolParam(parsed.locked)
      : undefined;
  if (allTenants) authorize(ctx, `os_compute_api:servers:${call.detail ? 'detail' : 'index'}:get_all_tenants`);
  return {
    limit: parsed.limit,
    marker: parsed.marker,
    name: parsed.name,
    // Nova lets users filter by hostname from 2.90; admins keep every filter at any microversion.
    hostname: atLeast(version, '2.90') || ctx.isAdmin ? parsed.hostname : undefined,
    status,
    host: ctx.isAdmin ? parsed.host : undefined,
    allTenants,
    projectId: allTenants ? (parsed.project_id ?? parsed.tenant_id) : undefined,
    changesSince: parsed['changes-since'],
    locked,
    deleted: ctx.isAdmin && parsed.deleted !== undefined ? strictBool(parsed.deleted) === true : undefined,
  };
}
