import type { Sql } from 'postgres';
import type { ServiceRow } from '../views/service';
import { hostAlive, hostOrdinal } from './hosts';

/** Every compute host as its nova-compute service, in registration order (the order of the integer ids). */
export async function listServices(sql: Sql, opts: { serviceDownTimeMs: number }): Promise<ServiceRow[]> {
  return sql<ServiceRow[]>`
    SELECT h.name AS host, ${hostOrdinal(sql)} AS ordinal, h.availability_zone, h.disabled, h.disabled_reason,
           h.forced_down, h.updated_at, ${hostAlive(sql, opts.serviceDownTimeMs)} AS alive
    FROM hosts h
    ORDER BY ordinal`;
}
