import type { Sql } from 'postgres';

/** Whether the operation run `runId` on this instance has recorded the end of its instance action. */
export async function actionFinished(sql: Sql, instanceUuid: string, runId: string): Promise<boolean> {
  const [row] = await sql<{ finished: boolean }[]>`
    SELECT finish_time IS NOT NULL AS finished FROM instance_actions
    WHERE instance_uuid = ${instanceUuid} AND run_id = ${runId}`;
  return row?.finished ?? false;
}
