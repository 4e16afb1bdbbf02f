/**
 * Bulk data for the API and scheduler phases: hosts as a compute host's first report writes them, and instances
 * cloned from a server this run created through the API (every column of its row, ACTIVE, with its allocation),
 * so the list and the scheduler read rows identical to real ones, by the thousand, in a few statements.
 */
import type { Sql } from '../activities/conductor/db';

/** Seeded host names start with this, so the cleanup finds them and nothing else. */
export const SEED_HOST_PREFIX = 'seed-';
/** Seeded servers are named so. */
export const SEED_NAME_PREFIX = 'seeded-';
/** One seeded server in this many is locked by its owner, for the list's `locked` filter. */
const LOCKED_EVERY = 1000;

export interface SeedShape {
  hosts: number;
  instances: number;
  /** Each host's size: room for the seeded instances plus `spareSlots` more of the template's flavor. */
  spareSlots: number;
}

export interface Seeded {
  hosts: number;
  instances: number;
  /** Instances per host (the last hosts may have one fewer). */
  perHost: number;
  ms: number;
}

/** Columns the clone sets itself; every other column is copied from the template as it is. */
const OWN_COLUMNS = new Set([
  'uuid',
  'seq',
  'name',
  'hostname',
  'host',
  'node',
  'reservation_id',
  'created_at',
  'updated_at',
  'locked',
  'locked_by',
]);

/**
 * `shape.hosts` hosts sized for `perHost` instances of the template's flavor plus `spareSlots` (memory is the
 * tight resource, as on real clouds), and `shape.instances` copies of the template spread over them round-robin,
 * one second apart in created_at (newest last), each with its allocation.
 */
export async function seedCloud(sql: Sql, templateUuid: string, shape: SeedShape): Promise<Seeded> {
  const began = performance.now();
  const [template] = await sql<{ vcpus: number; memory_mb: number; disk_gb: number }[]>`
    SELECT vcpus, memory_mb, disk_gb FROM allocations WHERE consumer_uuid = ${templateUuid}`;
  if (!template) throw new Error(`template instance ${templateUuid} has no allocation`);
  const perHost = Math.ceil(shape.instances / shape.hosts);
  const slots = perHost + shape.spareSlots;
  const reservedMb = 512;
  await sql`
    INSERT INTO hosts (name, vcpus, memory_mb, disk_gb, reserved_memory_mb, running_vms, started_at, last_seen_at)
    SELECT ${SEED_HOST_PREFIX} || lpad(n::text, 4, '0'), ${slots * template.vcpus},
           ${slots * template.memory_mb + reservedMb}, ${slots * template.disk_gb + 100}, ${reservedMb},
           ${perHost}, now(), now()
    FROM generate_series(0, ${shape.hosts - 1}) AS n`;
  const columns = await sql<{ column_name: string }[]>`
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'instances' ORDER BY ordinal_position`;
  const copied = columns.map((c) => c.column_name).filter((c) => !OWN_COLUMNS.has(c));
  const ident = (c: string) => `"${c.replace(/"/g, '""')}"`;
  const into = sql.unsafe(copied.map(ident).join(', '));
  const from = sql.unsafe(copied.map((c) => `t.${ident(c)}`).join(', '));
  await sql`
    INSERT INTO instances (uuid, name, hostname, host, node, reservation_id, created_at, updated_at, locked,
                           locked_by, ${into})
    SELECT gen_random_uuid(), ${SEED_NAME_PREFIX} || n, ${SEED_NAME_PREFIX} || n, h, h,
           'r-' || substr(md5(n::text), 1, 8),
           now() - make_interval(secs => ${shape.instances} - n), now() - make_interval(secs => ${shape.instances} - n),
           n % ${LOCKED_EVERY} = 0, CASE WHEN n % ${LOCKED_EVERY} = 0 THEN 'owner' END,
           ${from}
    FROM generate_series(0, ${shape.instances - 1}) AS n
    CROSS JOIN LATERAL (SELECT ${SEED_HOST_PREFIX} || lpad((n % ${shape.hosts})::text, 4, '0') AS h) AS placed
    CROSS JOIN (SELECT * FROM instances WHERE uuid = ${templateUuid}) AS t`;
  await sql`
    INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
    SELECT uuid, host, ${template.vcpus}, ${template.memory_mb}, ${template.disk_gb} FROM instances
    WHERE host LIKE ${`${SEED_HOST_PREFIX}%`} AND NOT deleted`;
  await sql`ANALYZE instances`;
  await sql`ANALYZE allocations`;
  await sql`ANALYZE hosts`;
  return { hosts: shape.hosts, instances: shape.instances, perHost, ms: performance.now() - began };
}

/** Marks the seeded hosts as reporting now (the scheduler skips hosts silent for longer than service_down_time). */
export async function refreshSeededHosts(sql: Sql): Promise<void> {
  await sql`UPDATE hosts SET last_seen_at = now() WHERE name LIKE ${`${SEED_HOST_PREFIX}%`}`;
}

/** Removes every seeded row: the claims made on seeded hosts, the cloned instances, the hosts. */
export async function removeSeeded(sql: Sql): Promise<void> {
  const hosts = `${SEED_HOST_PREFIX}%`;
  await sql`DELETE FROM allocations WHERE host LIKE ${hosts}`;
  await sql`DELETE FROM instances WHERE name LIKE ${`${SEED_NAME_PREFIX}%`} AND host LIKE ${hosts}`;
  await sql`DELETE FROM hosts WHERE name LIKE ${hosts}`;
}
