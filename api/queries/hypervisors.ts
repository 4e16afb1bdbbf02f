import type { Sql } from 'postgres';
import type { HypervisorRow, HypervisorServer } from '../views/hypervisor';
import { hostAlive, hostOrdinal } from './hosts';

export interface HypervisorListing {
  /** Every compute host in registration order (the order of the integer ids). */
  rows: HypervisorRow[];
  /** The database's clock, which also stamped last_seen_at. */
  now: Date;
}

/**
 * Every compute host with what its allocations use, its workload and whether it is up: reported within
 * `serviceDownTimeMs` (Nova's service_down_time) and not forced down. One row per host, so the whole table
 * is read and paged by the caller: the ids from 2.53 are derived from the name and cannot be seeked in SQL.
 */
export async function listHypervisors(sql: Sql, opts: { serviceDownTimeMs: number }): Promise<HypervisorListing> {
  const [rows, [clock]] = await Promise.all([
    sql<HypervisorRow[]>`
      SELECT h.name, h.vcpus, h.memory_mb, h.disk_gb, h.cpu_allocation_ratio, h.ram_allocation_ratio,
             h.disk_allocation_ratio, h.reserved_memory_mb, h.hypervisor_type, h.hypervisor_version, h.host_ip,
             h.availability_zone, h.disabled, h.disabled_reason, h.forced_down, h.running_vms, h.started_at,
             h.last_seen_at,
             ${hostOrdinal(sql)} AS ordinal,
             ${hostAlive(sql, opts.serviceDownTimeMs)} AS alive,
             COALESCE(a.vcpus, 0)::int AS used_vcpus,
             COALESCE(a.memory_mb, 0)::int AS used_memory_mb,
             COALESCE(a.disk_gb, 0)::int AS used_disk_gb,
             COALESCE(a.consumers, 0)::int AS instances,
             COALESCE(w.busy, 0)::int AS workload
      FROM hosts h
      LEFT JOIN (
        SELECT host, SUM(vcpus) AS vcpus, SUM(memory_mb) AS memory_mb, SUM(disk_gb) AS disk_gb,
               COUNT(*) AS consumers
        FROM allocations GROUP BY host
      ) a ON a.host = h.name
      LEFT JOIN (
        SELECT host, COUNT(*) AS busy FROM instances
        WHERE NOT deleted AND task_state IS NOT NULL AND host IS NOT NULL GROUP BY host
      ) w ON w.host = h.name
      ORDER BY ordinal`,
    sql<{ now: Date }[]>`SELECT now() AS now`,
  ]);
  return { rows, now: clock?.now ?? new Date() };
}

/** The live servers on each of the given hosts (Nova's instance_get_all_by_host), oldest first. */
export async function listServersOnHosts(sql: Sql, hosts: readonly string[]): Promise<Map<string, HypervisorServer[]>> {
  const byHost = new Map<string, HypervisorServer[]>(hosts.map((host) => [host, []]));
  if (hosts.length === 0) return byHost;
  const rows = await sql<(HypervisorServer & { host: string })[]>`
    SELECT host, name, uuid FROM instances
    WHERE NOT deleted AND host IN ${sql(hosts)}
    ORDER BY created_at, uuid`;
  for (const { host, name, uuid } of rows) byHost.get(host)?.push({ name, uuid });
  return byHost;
}
