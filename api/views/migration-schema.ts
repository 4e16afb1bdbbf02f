import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

// Response schemas after Nova's (nova/api/openstack/compute/schemas/migrations.py and server_migrations.py),
// with our exact timestamp format.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

const time = z.string().regex(PERFECT_TIME);
const uuid = z.string().regex(UUID);
const int = z.number().int();
const host = z.string().nullable();
// parameter_types.user_id / project_id
const keystoneId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9-]*$/);
const itemLinks = z.array(z.strictObject({ rel: z.enum(['self', 'bookmark']), href: z.string() }));
const collectionLinks = z.array(z.strictObject({ rel: z.literal('next'), href: z.string() })).length(1);
// Progress counters: null until the driver reports them, then positive.
const bytes = int.min(1).nullable();

function withOwner(shape: Record<string, z.ZodType>, version: ApiVersion): Record<string, z.ZodType> {
  if (atLeast(version, '2.59')) shape['uuid'] = uuid;
  if (atLeast(version, '2.80')) Object.assign(shape, { user_id: keystoneId, project_id: keystoneId });
  return shape;
}

function migrationShape(version: ApiVersion): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {
    created_at: time,
    dest_compute: host,
    dest_host: host,
    dest_node: host,
    id: int,
    instance_uuid: uuid,
    new_instance_type_id: int.nullable(),
    old_instance_type_id: int.nullable(),
    source_compute: host,
    source_node: host,
    status: z.string(),
    updated_at: time.nullable(),
  };
  if (atLeast(version, '2.23')) {
    shape['migration_type'] = z.enum(['migration', 'resize', 'live-migration', 'evacuation']);
    shape['links'] = itemLinks.optional();
  }
  return withOwner(shape, version);
}

/** The strict schema of GET /os-migrations at a microversion; migrations_links from 2.59. */
export function migrationsListSchema(version: ApiVersion): z.ZodType {
  const shape: Record<string, z.ZodType> = { migrations: z.array(z.strictObject(migrationShape(version))) };
  if (atLeast(version, '2.59')) shape['migrations_links'] = collectionLinks.optional();
  return z.strictObject(shape);
}

function serverMigrationShape(version: ApiVersion): Record<string, z.ZodType> {
  return withOwner(
    {
      created_at: time,
      dest_compute: host,
      dest_host: host,
      dest_node: host,
      disk_processed_bytes: bytes,
      disk_remaining_bytes: bytes,
      disk_total_bytes: bytes,
      id: int,
      memory_processed_bytes: bytes,
      memory_remaining_bytes: bytes,
      memory_total_bytes: bytes,
      server_uuid: uuid,
      source_compute: host,
      source_node: host,
      status: z.string(),
      updated_at: time,
    },
    version,
  );
}

/** The strict schema of GET /servers/{id}/migrations (2.23+). */
export function serverMigrationsListSchema(version: ApiVersion): z.ZodType {
  return z.strictObject({ migrations: z.array(z.strictObject(serverMigrationShape(version))) });
}

/** The strict schema of GET /servers/{id}/migrations/{migration_id} (2.23+). */
export function serverMigrationBodySchema(version: ApiVersion): z.ZodType {
  return z.strictObject({ migration: z.strictObject(serverMigrationShape(version)) });
}
