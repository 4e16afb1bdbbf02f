import type { Sql } from 'postgres';

/**
 * Whether the operation run `runId` on this instance has recorded the end of its instance actions. A run may
 * record more than one (a resize's automatic confirm, a shelve's later offload): all of them must have ended.
 */
export async function actionFinished(sql: Sql, instanceUuid: string, runId: string): Promise<boolean> {
  const [row] = await sql<{ finished: boolean | null }[]>`
    SELECT bool_and(finish_time IS NOT NULL) AS finished FROM instance_actions
    WHERE instance_uuid = ${instanceUuid} AND run_id = ${runId}`;
  return row?.finished ?? false;
}
