import type { Fragment, Sql } from 'postgres';

/** Whether a compute host of this name has ever registered. */
export async function hostExists(sql: Sql, name: string): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM hosts WHERE name = ${name}`;
  return rows.length === 1;
}

/**
 * Nova's servicegroup `service_is_up` (domain/liveness) over the hosts row `h`: reported within
 * service_down_time and not forced down. The database's clock stamped last_seen_at, so it judges it.
 */
export function hostAlive(sql: Sql, serviceDownTimeMs: number): Fragment {
  return sql`(NOT h.forced_down AND h.last_seen_at >= now() - make_interval(secs => ${serviceDownTimeMs / 1000}))`;
}

/**
 * A host's integer id before 2.53 (hypervisor and service alike): its place in registration order, so existing
 * ids never move. Over the whole hosts table `h`.
 */
export function hostOrdinal(sql: Sql): Fragment {
  return sql`(row_number() OVER (ORDER BY h.created_at, h.name))::int`;
}

/** Whether a host's compute service is up; undefined when no such host ever registered. */
export async function hostIsUp(sql: Sql, name: string, serviceDownTimeMs: number): Promise<boolean | undefined> {
  const [row] = await sql<{ alive: boolean }[]>`
    SELECT ${hostAlive(sql, serviceDownTimeMs)} AS alive FROM hosts h WHERE h.name = ${name}`;
  return row?.alive;
}

/** The availability zone of a compute host; null when no host of this name has registered. */
export async function hostZone(sql: Sql, name: string): Promise<string | null> {
  const [row] = await sql<{ availability_zone: string }[]>`SELECT availability_zone FROM hosts WHERE name = ${name}`;
  return row?.availability_zone ?? null;
}
