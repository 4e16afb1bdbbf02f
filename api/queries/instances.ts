import type { Fragment, Sql } from 'postgres';
import type { Queryable } from './queryable';
import { VmState, vmStatesForStatus } from '../../domain/states';
import type { RequestContext } from '../context';
import { BadRequest } from '../errors';
import type { ServerRow } from '../views/server';
import { SERVER_VIEW_COLUMNS, serverViewRowOf, type ServerViewRow } from '../views/server-row';
import { allOf } from './conditions';
import { isUuid } from './uuid';

/** PostgreSQL's invalid_regular_expression. */
const INVALID_REGEX = '2201B';

/** Who lists: all a list depends on of its caller, so callers alike can share a page. */
export type ListCaller = Pick<RequestContext, 'isAdmin' | 'projectId'>;

export interface InstanceListOptions {
  ctx: ListCaller;
  limit: number;
  /** The uuid of the last server of the previous page; it may since have been deleted. */
  marker?: string | undefined;
  /** A POSIX regular expression on the name, as Nova's `name` filter on PostgreSQL. */
  name?: string | undefined;
  /** A POSIX regular expression on the hostname (2.90, or an admin's), as Nova's `hostname` filter. */
  hostname?: string | undefined;
  /** API statuses (`ACTIVE`, `SHUTOFF`...), matched through their vm_states. */
  status?: readonly string[] | undefined;
  /** Admins only; ignored for others, as Nova drops filters a user may not use. */
  host?: string | undefined;
  /** Admins only: every project (optionally one, `projectId`) instead of the caller's. */
  allTenants?: boolean | undefined;
  projectId?: string | undefined;
  /** Servers changed since then, deleted ones included. */
  changesSince?: Date | undefined;
  /** Locked servers only (true) or unlocked ones only (false). */
  locked?: boolean | undefined;
  /** Admins only: deleted and soft-deleted servers (true) instead of live ones. */
  deleted?: boolean | undefined;
}

/** A list reads only what its views show (not the key pair, shelve or deletion bookkeeping). */
const LIST_COLUMNS = SERVER_VIEW_COLUMNS.map((column) => `i.${column}`).join(', ');

/** Nova's host_status of the instance's host, from the joined hosts row `h`. */
const HOST_STATUS = `CASE WHEN h.name IS NULL THEN ''
                          WHEN h.forced_down THEN 'DOWN'
                          WHEN h.disabled THEN 'MAINTENANCE'
                          ELSE 'UP' END`;

/**
 * What a server's views show, as of which write: any update of the instance row gives it a new xmin (the
 * transaction that wrote it), and the host's facts are there as the view reads them (the host row's own xmin would
 * not do: every heartbeat rewrites it). The database server's start time (read once per statement) sets the xids
 * apart from those of another server (a failover's or a restore's) that may hand the same ones out again. A 32-bit
 * xid comes round only after four billion transactions, and a write would then have to land on exactly the old one.
 */
const SERVER_STARTED = `(SELECT (extract(epoch FROM pg_postmaster_start_time()) * 1e6)::bigint)`;
const ROW_VERSION = `row(${SERVER_STARTED}, i.xmin, h.availability_zone, ${HOST_STATUS})::text`;

// The host's zone and status are joined in after the columns, because Nova shows them on the server.
function selectServers(sql: Queryable, columns: string): Fragment {
  return sql`
    SELECT ${sql.unsafe(columns)}, h.availability_zone AS host_availability_zone,
           ${sql.unsafe(HOST_STATUS)} AS host_status
    FROM instances i LEFT JOIN hosts h ON h.name = i.host`;
}

function ownedBy(sql: Queryable, ctx: ListCaller): Fragment {
  return ctx.isAdmin ? sql`TRUE` : sql`i.project_id = ${ctx.projectId}`;
}

/** A live instance the caller may see (its project's, or any for admins); null for a non-uuid id. */
export async function getInstance(sql: Sql, uuid: string, ctx: RequestContext): Promise<ServerRow | null> {
  if (!isUuid(uuid)) return null;
  const [row] = await sql<ServerRow[]>`
    ${selectServers(sql, 'i.*')}
    WHERE i.uuid = ${uuid} AND NOT i.deleted AND ${ownedBy(sql, ctx)}`;
  return row ?? null;
}

function vmStatesFor(statuses: readonly string[]): string[] {
  return [...new Set(statuses.flatMap((status) => vmStatesForStatus(status)))];
}

function listConditions(sql: Queryable, opts: InstanceListOptions): Fragment[] {
  const { ctx } = opts;
  const vmStates = opts.status ? vmStatesFor(opts.status) : undefined;
  const everyProject = ctx.isAdmin && opts.allTenants === true;
  const project = everyProject ? opts.projectId : ctx.projectId;
  const conditions: (Fragment | null)[] = [
    project === undefined ? null : sql`i.project_id = ${project}`,
    ...deletionConditions(sql, opts, vmStates),
    opts.name === undefined ? null : sql`i.name ~ ${opts.name}`,
    opts.hostname === undefined ? null : sql`i.hostname ~ ${opts.hostname}`,
    vmStates === undefined ? null : vmStates.length ? sql`i.vm_state IN ${sql(vmStates)}` : sql`FALSE`,
    opts.host === undefined || !ctx.isAdmin ? null : sql`i.host = ${opts.host}`,
    opts.changesSince === undefined ? null : sql`i.updated_at >= ${opts.changesSince}`,
    // Written out, not a parameter, so that a prepared statement's plan can use the partial index (00025).
    opts.locked === undefined ? null : opts.locked ? sql`i.locked` : sql`NOT i.locked`,
    opts.marker === undefined
      ? null
      : sql`(i.created_at, i.uuid) < (SELECT created_at, uuid FROM instances WHERE uuid = ${opts.marker})`,
  ];
  return conditions.filter((c) => c !== null);
}

/**
 * Which servers a list shows by their deletion, as Nova's get_all: everything for changes-since; deleted and
 * soft-deleted ones for an admin's `deleted=true` or status DELETED; otherwise live ones, SOFT_DELETED left out.
 */
function deletionConditions(sql: Queryable, opts: InstanceListOptions, vmStates: string[] | undefined): Fragment[] {
  if (opts.changesSince !== undefined) return [];
  const deletedAsked = vmStates?.length === 1 && vmStates[0] === VmState.Deleted;
  if (opts.ctx.isAdmin && (opts.deleted === true || deletedAsked)) {
    return [sql`(i.deleted OR i.vm_state = ${VmState.SoftDeleted})`];
  }
  return [sql`NOT i.deleted`, sql`i.vm_state <> ${VmState.SoftDeleted}`];
}

/** Whether the text parses as a regular expression, to tell which of two filters PostgreSQL refused. */
function isRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** Any instance, deleted or another project's, may be a marker: Nova looks markers up elevated. */
async function assertMarkerExists(sql: Queryable, marker: string): Promise<void> {
  const [found] = isUuid(marker) ? await sql`SELECT 1 FROM instances WHERE uuid = ${marker}` : [];
  if (!found) throw new BadRequest(`marker [${marker}] not found`);
}

/** A listed server: its uuid and its ROW_VERSION. */
export interface ListedServer {
  uuid: string;
  rowVersion: string;
}

/** Servers newest first (created_at, then uuid, descending), one page after the marker. */
export async function listInstances(sql: Queryable, opts: InstanceListOptions): Promise<ListedServer[]> {
  if (opts.marker !== undefined) await assertMarkerExists(sql, opts.marker);
  try {
    return await sql<ListedServer[]>`
      SELECT i.uuid, ${sql.unsafe(ROW_VERSION)} AS "rowVersion"
      FROM instances i LEFT JOIN hosts h ON h.name = i.host
      WHERE ${allOf(sql, listConditions(sql, opts))}
      ORDER BY i.created_at DESC, i.uuid DESC
      LIMIT ${opts.limit}`;
  } catch (err) {
    if ((err as { code?: unknown }).code === INVALID_REGEX) {
      const hostnameAtFault = opts.hostname !== undefined && (opts.name === undefined || isRegex(opts.name));
      const [filter, value] = hostnameAtFault ? ['hostname', opts.hostname] : ['name', opts.name];
      throw new BadRequest(`Invalid regular expression in filter ${filter}: ${value ?? ''}`);
    }
    throw err;
  }
}

/** A server's row for its views, and its ROW_VERSION as read. */
export interface VersionedServerRow {
  row: ServerViewRow;
  rowVersion: string;
}

/** The rows of the servers with these uuids, by uuid. */
export async function instancesByUuid(
  sql: Queryable,
  uuids: readonly string[],
): Promise<Map<string, VersionedServerRow>> {
  const values = await sql`
    ${selectServers(sql, `${LIST_COLUMNS}, ${ROW_VERSION}`)}
    WHERE i.uuid = ANY(${sql.array([...uuids])}::uuid[])`.values();
  const rows = new Map<string, VersionedServerRow>();
  for (const v of values) {
    // The row version comes after the view's columns; serverViewRowOf takes the host's facts from the end.
    const rowVersion = v.splice(SERVER_VIEW_COLUMNS.length, 1)[0] as string;
    const row = serverViewRowOf(v);
    rows.set(row.uuid, { row, rowVersion });
  }
  return rows;
}

/** The reads of a server list page (api/routes/server-page.ts). */
export interface ServerPageReads {
  list(opts: InstanceListOptions): Promise<ListedServer[]>;
  rows(uuids: readonly string[]): Promise<Map<string, VersionedServerRow>>;
}

/** ...which may also be made all in one snapshot of the database. */
export interface ServerListReads extends ServerPageReads {
  inSnapshot<T>(read: (reads: ServerPageReads) => Promise<T>): Promise<T>;
}

function pageReads(sql: Queryable): ServerPageReads {
  return { list: (opts) => listInstances(sql, opts), rows: (uuids) => instancesByUuid(sql, uuids) };
}

/** A server list page's reads on the pool, and in one read-only snapshot when asked. */
export function serverListReads(sql: Sql): ServerListReads {
  return {
    ...pageReads(sql),
    inSnapshot: async (read) => {
      let result: Awaited<ReturnType<typeof read>> | undefined;
      await sql.begin('ISOLATION LEVEL REPEATABLE READ, READ ONLY', async (tx) => {
        result = await read(pageReads(tx));
      });
      return result!;
    },
  };
}
