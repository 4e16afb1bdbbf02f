import type { Sql } from 'postgres';
import type { ComputeServiceRow } from '../views/availability-zone';
import { hostAlive } from './hosts';

/** Each compute host as Nova's nova-compute service record: its zone, whether it is enabled and up. */
export async function listComputeServices(sql: Sql, opts: { serviceDownTimeMs: number }): Promise<ComputeServiceRow[]> {
  return sql<ComputeServiceRow[]>`
    SELECT h.name AS host, h.availability_zone, h.disabled, h.last_seen_at,
           ${hostAlive(sql, opts.serviceDownTimeMs)} AS alive
    FROM hosts h
    ORDER BY h.name`;
}

/** The zones an instance may be placed in: those with an enabled host (Nova's get_only_available zones). */
export async function availableZoneNames(sql: Sql): Promise<string[]> {
  const rows = await sql<{ availability_zone: string }[]>`
    SELECT DISTINCT availability_zone FROM hosts WHERE NOT disabled ORDER BY availability_zone`;
  return rows.map((r) => r.availability_zone);
}
