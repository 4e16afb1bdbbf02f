import type { Sql } from 'postgres';
import { TaskState, VmState } from '../../domain/states';
import { withOverrides, type ProjectUsage, type Quotas } from '../../domain/quotas';

/**
 * A project's instances, cores and RAM as Nova counts them for quotas (InstanceList.get_counts): live
 * instances in any state but soft-deleted (one being restored counts again), with the flavor each was created with.
 */
export async function projectUsage(sql: Sql, projectId: string): Promise<ProjectUsage> {
  const [row] = await sql<ProjectUsage[]>`
    SELECT count(*)::int AS instances,
           COALESCE(sum((flavor->>'vcpus')::int), 0)::int AS cores,
           COALESCE(sum((flavor->>'memory_mb')::int), 0)::int AS ram
    FROM instances
    WHERE project_id = ${projectId} AND NOT deleted
        AND (vm_state <> ${VmState.SoftDeleted} OR task_state = ${TaskState.Restoring})`;
  return row ?? { instances: 0, cores: 0, ram: 0 };
}

/** A project's quotas: Nova's defaults with the project's own limits laid over them. */
export async function projectQuotas(sql: Sql, projectId: string): Promise<Quotas> {
  const rows = await sql<{ resource: string; hard_limit: number }[]>`
    SELECT resource, hard_limit FROM quotas WHERE project_id = ${projectId}`;
  return withOverrides(rows);
}
