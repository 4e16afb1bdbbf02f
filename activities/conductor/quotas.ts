import { ApplicationFailure } from '@temporalio/common';
import { FaultType } from '../../domain/faults';
import { overQuotaMessage, withOverrides, type ProjectUsage } from '../../domain/quotas';
import { TaskState, VmState } from '../../domain/states';
import type { Queryable } from './db';

/**
 * Nova's over-quota message for a new instance that would take its project past a quota (instances, cores, RAM),
 * or undefined, inside the caller's transaction. The per-project advisory lock makes the count and the insert that
 * follows one step, so concurrent creates can never overshoot together (Nova's count-then-recheck can). The three
 * statements are sent at once (pipelined): the lock still comes first.
 */
export async function createQuotaRefusal(
  tx: Queryable,
  projectId: string,
  requested: ProjectUsage,
): Promise<string | undefined> {
  const [, limits, [usage]] = await Promise.all([
    tx`SELECT pg_advisory_xact_lock(hashtext(${`quota:${projectId}`}))`.execute(),
    tx<{ resource: string; hard_limit: number }[]>`
      SELECT resource, hard_limit FROM quotas WHERE project_id = ${projectId}`.execute(),
    tx<ProjectUsage[]>`
      SELECT count(*)::int AS instances,
             COALESCE(sum((flavor->>'vcpus')::int), 0)::int AS cores,
             COALESCE(sum((flavor->>'memory_mb')::int), 0)::int AS ram
      FROM instances
      WHERE project_id = ${projectId} AND NOT deleted
        AND (vm_state <> ${VmState.SoftDeleted} OR task_state = ${TaskState.Restoring})`.execute(),
  ]);
  return overQuotaMessage(withOverrides(limits), usage!, requested) ?? undefined;
}

export function quotaExceeded(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: FaultType.QuotaExceeded, nonRetryable: true });
}
