import type { Sql } from 'postgres';
import { FINAL_MIGRATION_STATUSES, VmState } from '../../domain/states';

export interface OrphanedAllocation {
  consumer_uuid: string;
  host: string;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
  reason: string;
}

export interface MissingAllocation {
  instance_uuid: string;
  host: string;
}

export interface OvercommittedHost {
  host: string;
  resource: string;
  used: number;
  usable: number;
}

export interface AllocationAudit {
  orphaned_allocations: OrphanedAllocation[];
  missing_allocations: MissingAllocation[];
  overcommitted_hosts: OvercommittedHost[];
}

/**
 * What Nova operators hunt with `nova-manage placement audit`: allocations whose consumer is neither a live
 * instance nor a migration in progress, placed instances without a claim on their host, and hosts whose
 * claims exceed what they can give.
 */
export async function auditAllocations(sql: Sql): Promise<AllocationAudit> {
  const orphaned = await sql<OrphanedAllocation[]>`
    SELECT a.consumer_uuid, a.host, a.vcpus, a.memory_mb, a.disk_gb,
           CASE WHEN m.uuid IS NOT NULL THEN 'migration ' || m.status
                WHEN i.uuid IS NOT NULL THEN 'instance deleted'
                ELSE 'no such consumer' END AS reason
    FROM allocations a
    LEFT JOIN instances i ON i.uuid = a.consumer_uuid
    LEFT JOIN server_migrations m ON m.uuid = a.consumer_uuid
    WHERE NOT ((i.uuid IS NOT NULL AND NOT i.deleted)
               OR (m.uuid IS NOT NULL AND m.status NOT IN ${sql(FINAL_MIGRATION_STATUSES as string[])}))
    ORDER BY a.host, a.consumer_uuid`;
  const missing = await sql<MissingAllocation[]>`
    SELECT i.uuid AS instance_uuid, i.host FROM instances i
    WHERE NOT i.deleted AND i.host IS NOT NULL AND i.task_state IS NULL
      -- A build that failed holds nothing on the host it failed on (Nova even clears its host).
      AND NOT (i.vm_state = ${VmState.Error} AND i.launched_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.consumer_uuid = i.uuid AND a.host = i.host)
    ORDER BY i.uuid`;
  const overcommitted = await sql<OvercommittedHost[]>`
    WITH usage AS (
      SELECT h.name, COALESCE(SUM(a.vcpus), 0)::int AS vcpus, COALESCE(SUM(a.memory_mb), 0)::int AS memory_mb,
             COALESCE(SUM(a.disk_gb), 0)::int AS disk_gb,
             floor(h.vcpus * h.cpu_allocation_ratio)::int AS usable_vcpus,
             floor((h.memory_mb - h.reserved_memory_mb) * h.ram_allocation_ratio)::int AS usable_memory_mb,
             floor(h.disk_gb * h.disk_allocation_ratio)::int AS usable_disk_gb
      FROM hosts h LEFT JOIN allocations a ON a.host = h.name GROUP BY h.name)
    SELECT name AS host, 'VCPU' AS resource, vcpus AS used, usable_vcpus AS usable FROM usage WHERE vcpus > usable_vcpus
    UNION ALL
    SELECT name, 'MEMORY_MB', memory_mb, usable_memory_mb FROM usage WHERE memory_mb > usable_memory_mb
    UNION ALL
    SELECT name, 'DISK_GB', disk_gb, usable_disk_gb FROM usage WHERE disk_gb > usable_disk_gb
    ORDER BY 1, 2`;
  return { orphaned_allocations: orphaned, missing_allocations: missing, overcommitted_hosts: overcommitted };
}
