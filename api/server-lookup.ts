import type { Sql } from 'postgres';
import type { RequestContext } from './context';
import { instanceNotFound } from './errors';
import { authorize } from './policy/enforce';
import type { PolicyName } from './policy/rules';
import { getInstance } from './queries/instances';
import type { ServerRow } from './views/server';

/**
 * A server for a request on it or one of its sub-resources, in Nova's order: looked up in the caller's project
 * first (another project's server, or a malformed id, is a 404), then the rule checked against its project (403).
 */
export async function authorizedServer(
  sql: Sql,
  id: string,
  ctx: RequestContext,
  rule: PolicyName,
): Promise<ServerRow> {
  const instance = await getInstance(sql, id, ctx);
  if (!instance) throw instanceNotFound(id);
  authorize(ctx, rule, { projectId: instance.project_id });
  return instance;
}
