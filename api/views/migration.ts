import type { MigrationRow } from '../../domain/rows';
import { selfLinks } from '../links';
import { atLeast, type ApiVersion } from '../microversion';
import { perfectTime } from './time';

export { migrationsListSchema, serverMigrationBodySchema, serverMigrationsListSchema } from './migration-schema';

/** Nova's migration_type of a live migration. */
export const LIVE_MIGRATION = 'live-migration';

/**
 * The statuses in which Nova calls a live migration in progress (compute/api.py, server_migrations.py): only
 * these get links in /os-migrations and show up under /servers/{id}/migrations. `accepted` is not among them.
 */
export const LIVE_MIGRATION_IN_PROGRESS: readonly string[] = ['queued', 'preparing', 'running', 'post-migrating'];

/** A migration as the views read it: the row without its flavors, but with their ids. */
export type MigrationViewRow = Pick<
  MigrationRow,
  | 'id'
  | 'uuid'
  | 'instance_uuid'
  | 'migration_type'
  | 'status'
  | 'source_compute'
  | 'source_node'
  | 'dest_compute'
  | 'dest_node'
  | 'dest_host'
  | 'user_id'
  | 'project_id'
  | 'created_at'
  | 'updated_at'
  | 'memory_total_bytes'
  | 'memory_processed_bytes'
  | 'memory_remaining_bytes'
  | 'disk_total_bytes'
  | 'disk_processed_bytes'
  | 'disk_remaining_bytes'
> & {
  /** The `id` of the old and new flavor, as stored with the migration. */
  old_flavor_id: string | null;
  new_flavor_id: string | null;
};

export interface MigrationViewContext {
  version: ApiVersion;
  /** `<scheme>://<host>` for the links of in-progress live migrations. */
  baseUrl: string;
}

export type MigrationBody = Record<string, unknown>;

/**
 * Nova's old/new_instance_type_id is the flavor's integer primary key, which our flavors do not have: their
 * ids are strings like "1", so a numeric id stands in for it and any other id is null (the schema allows it).
 */
export function flavorIntegerId(flavorId: string | null): number | null {
  if (flavorId === null || !/^\d+$/.test(flavorId)) return null;
  const id = Number(flavorId);
  return Number.isSafeInteger(id) ? id : null;
}

export function isLiveMigrationInProgress(row: Pick<MigrationViewRow, 'migration_type' | 'status'>): boolean {
  return row.migration_type === LIVE_MIGRATION && LIVE_MIGRATION_IN_PROGRESS.includes(row.status);
}

/** uuid from 2.59, user_id and project_id from 2.80: the same steps in both migration APIs. */
function addOwnerFields(body: MigrationBody, row: MigrationViewRow, version: ApiVersion): MigrationBody {
  if (atLeast(version, '2.59')) body['uuid'] = row.uuid;
  if (atLeast(version, '2.80')) Object.assign(body, { user_id: row.user_id, project_id: row.project_id });
  return body;
}

/**
 * An entry of GET /os-migrations (nova/api/openstack/compute/migrations.py `_output`): migration_type from
 * 2.23, and from 2.23 `links` to /servers/{id}/migrations/{id} only for an in-progress live migration; any
 * other migration has no `links` key at all.
 */
export function migrationView(row: MigrationViewRow, ctx: MigrationViewContext): MigrationBody {
  const body: MigrationBody = {
    id: Number(row.id),
    instance_uuid: row.instance_uuid,
    source_compute: row.source_compute,
    source_node: row.source_node,
    dest_compute: row.dest_compute,
    dest_node: row.dest_node,
    dest_host: row.dest_host,
    old_instance_type_id: flavorIntegerId(row.old_flavor_id),
    new_instance_type_id: flavorIntegerId(row.new_flavor_id),
    status: row.status,
    created_at: perfectTime(row.created_at),
    updated_at: perfectTime(row.updated_at),
  };
  if (atLeast(ctx.version, '2.23')) {
    body['migration_type'] = row.migration_type;
    if (isLiveMigrationInProgress(row)) {
      body['links'] = selfLinks(ctx.baseUrl, `servers/${row.instance_uuid}/migrations`, String(row.id));
    }
  }
  return addOwnerFields(body, row, ctx.version);
}

/** Nova shows a counter as null until the driver reports it, and never as 0 (its schema wants null or ≥ 1). */
function bytes(value: string | null): number | null {
  const n = value === null ? null : Number(value);
  return n === null || n < 1 ? null : n;
}

/**
 * A migration under /servers/{id}/migrations (nova/api/openstack/compute/server_migrations.py `output`), with
 * the memory and disk counters the live migration workflow records after each copy round.
 */
export function serverMigrationView(row: MigrationViewRow, version: ApiVersion): MigrationBody {
  const body: MigrationBody = {
    id: Number(row.id),
    server_uuid: row.instance_uuid,
    source_compute: row.source_compute,
    source_node: row.source_node,
    dest_compute: row.dest_compute,
    dest_node: row.dest_node,
    dest_host: row.dest_host,
    status: row.status,
    memory_total_bytes: bytes(row.memory_total_bytes),
    memory_processed_bytes: bytes(row.memory_processed_bytes),
    memory_remaining_bytes: bytes(row.memory_remaining_bytes),
    disk_total_bytes: bytes(row.disk_total_bytes),
    disk_processed_bytes: bytes(row.disk_processed_bytes),
    disk_remaining_bytes: bytes(row.disk_remaining_bytes),
    created_at: perfectTime(row.created_at),
    updated_at: perfectTime(row.updated_at),
  };
  return addOwnerFields(body, row, version);
}
