import type { Sql } from 'postgres';
import type { QuotaResource } from '../../domain/quotas';

/*
 * Quota limits are an operator's settings, not instance state: like Nova's API database, the API keeps them.
 * The conductor reads them when it admits a create, under the project's lock.
 */

/** Sets a project's own limits; resources not named keep what they had. */
export async function setProjectQuotas(
  sql: Sql,
  projectId: string,
  limits: Partial<Record<QuotaResource, number>>,
): Promise<void> {
  const rows = Object.entries(limits).map(([resource, hardLimit]) => ({
    project_id: projectId,
    resource,
    hard_limit: hardLimit,
  }));
  if (rows.length === 0) return;
  await sql`
    INSERT INTO quotas ${sql(rows, 'project_id', 'resource', 'hard_limit')}
    ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit, updated_at = now()`;
}

/** Drops a project's own limits: it has the defaults again. */
export async function resetProjectQuotas(sql: Sql, projectId: string): Promise<void> {
  await sql`DELETE FROM quotas WHERE project_id = ${projectId}`;
}
