import type { Sql } from 'postgres';

/** Live instances counted by vm_state and task_state. */
export async function instancesByState(
  sql: Sql,
): Promise<{ vm_state: string; task_state: string | null; count: number }[]> {
  return sql<{ vm_state: string; task_state: string | null; count: number }[]>`
    SELECT vm_state, task_state, count(*)::int AS count FROM instances WHERE NOT deleted
    GROUP BY vm_state, task_state ORDER BY vm_state, task_state`;
}
