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
