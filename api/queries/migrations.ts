import type { Fragment, Sql } from 'postgres';
import { BadRequest } from '../errors';
import { LIVE_MIGRATION, LIVE_MIGRATION_IN_PROGRESS, type MigrationViewRow } from '../views/migration';
import { allOf } from './conditions';
import { isUuid } from './uuid';

/** Nova's migration_get_all_by_filters filters; every one is an exact match. */
export interface MigrationFilters {
  /** Source or destination compute. */
  host?: string | undefined;
  /** Ignored when `host` is given, as in Nova. */
  sourceCompute?: string | undefined;
  /** Source or destination node. */
  node?: string | undefined;
  status?: string | undefined;
  instanceUuid?: string | undefined;
  uuid?: string | undefined;
  migrationType?: string | undefined;
  userId?: string | undefined;
  projectId?: string | undefined;
  changesSince?: Date | undefined;
  changesBefore?: Date | undefined;
  /** True asks for hidden migrations only. */
  hidden?: boolean | undefined;
}

export interface MigrationPage {
  /** Undefined: every match (Nova before 2.59). */
  limit?: number | undefined;
  /** The uuid of the last migration of the previous page. */
  marker?: string | undefined;
}

function selectMigrations(sql: Sql): Fragment {
  return sql`
    SELECT id, uuid, instance_uuid, migration_type, status, source_compute, source_node, dest_compute, dest_node,
           dest_host, user_id, project_id, created_at, updated_at, memory_total_bytes, memory_processed_bytes,
           memory_remaining_bytes, disk_total_bytes, disk_processed_bytes, disk_remaining_bytes,
           old_flavor->>'id' AS old_flavor_id, new_flavor->>'id' AS new_flavor_id
    FROM server_migrations`;
}

// The uuid columns are uuid-typed where Nova's are strings: any other text matches nothing rather than
// failing in PostgreSQL.
function uuidEquals(sql: Sql, column: string, value: string): Fragment {
  return isUuid(value) ? sql`${sql(column)} = ${value}` : sql`FALSE`;
}

function when<T>(value: T | undefined, condition: (value: T) => Fragment): Fragment | null {
  return value === undefined ? null : condition(value);
}

function filterConditions(sql: Sql, f: MigrationFilters): Fragment[] {
  return [
    when(f.host, (host) => sql`(source_compute = ${host} OR dest_compute = ${host})`),
    f.host === undefined ? when(f.sourceCompute, (host) => sql`source_compute = ${host}`) : null,
    when(f.node, (node) => sql`(source_node = ${node} OR dest_node = ${node})`),
    when(f.status, (status) => sql`status = ${status}`),
    when(f.instanceUuid, (uuid) => uuidEquals(sql, 'instance_uuid', uuid)),
    when(f.uuid, (uuid) => uuidEquals(sql, 'uuid', uuid)),
    when(f.migrationType, (type) => sql`migration_type = ${type}`),
    when(f.userId, (userId) => sql`user_id = ${userId}`),
    when(f.projectId, (projectId) => sql`project_id = ${projectId}`),
    when(f.changesSince, (since) => sql`updated_at >= ${since}`),
    when(f.changesBefore, (before) => sql`updated_at <= ${before}`),
    // Nova hides only the source cell's copy of a cross-cell resize, which we never make: nothing is hidden.
    f.hidden === true ? sql`FALSE` : null,
  ].filter((c) => c !== null);
}

/**
 * Migrations newest first (Nova's sort from 2.59: created_at desc, id desc), one page after the marker. The
 * marker need not match the filters, as in Nova; an unknown one is Nova's MarkerNotFound, a 400.
 */
export async function listMigrations(
  sql: Sql,
  filters: MigrationFilters,
  page: MigrationPage = {},
): Promise<MigrationViewRow[]> {
  if (page.limit === 0) return [];
  let markerId: string | null = null;
  if (page.marker !== undefined) {
    const [marker] = isUuid(page.marker)
      ? await sql<{ id: string }[]>`SELECT id FROM server_migrations WHERE uuid = ${page.marker}`
      : [];
    if (!marker) throw new BadRequest(`Marker ${page.marker} could not be found.`);
    markerId = marker.id;
  }
  const conditions = [
    ...filterConditions(sql, filters),
    // Compared in SQL: a JS Date would drop the microseconds of the marker's created_at.
    markerId === null
      ? null
      : sql`(created_at, id) < (SELECT created_at, id FROM server_migrations WHERE id = ${markerId})`,
  ].filter((c) => c !== null);
  return sql<MigrationViewRow[]>`
    ${selectMigrations(sql)}
    WHERE ${allOf(sql, conditions)}
    ORDER BY created_at DESC, id DESC
    ${page.limit === undefined ? sql`` : sql`LIMIT ${page.limit}`}`;
}

/** An instance's in-progress live migrations (Nova's migration_get_in_progress_by_instance), oldest first. */
export async function listInProgressLiveMigrations(sql: Sql, instanceUuid: string): Promise<MigrationViewRow[]> {
  return sql<MigrationViewRow[]>`
    ${selectMigrations(sql)}
    WHERE instance_uuid = ${instanceUuid} AND migration_type = ${LIVE_MIGRATION}
      AND status IN ${sql(LIVE_MIGRATION_IN_PROGRESS)}
    ORDER BY created_at, id`;
}

/** One migration of an instance by its integer id, whatever its type and status; null when there is none. */
export async function getInstanceMigration(
  sql: Sql,
  instanceUuid: string,
  migrationId: string,
): Promise<MigrationViewRow | null> {
  // Nova compares the path segment with an integer column; anything else (or beyond bigint) is just not found.
  if (!/^\d{1,18}$/.test(migrationId)) return null;
  const [row] = await sql<MigrationViewRow[]>`
    ${selectMigrations(sql)}
    WHERE id = ${migrationId} AND instance_uuid = ${instanceUuid}`;
  return row ?? null;
}
