import type { Queryable } from './db';

/**
 * One step of an instance action, as Nova's instance_action_events (`compute_stop_instance`, ...). A step is
 * started by the conductor write before it and finished by the write after it, so events cost no extra
 * activity: they ride in the transactions that move the task_state.
 */
export interface ActionEvent {
  name: string;
  host?: string | null;
  /** Absent: the step starts. Present: it ended with this result. */
  finish?: { result: 'Success' | 'Error'; traceback?: string };
}

export async function recordEvents(
  tx: Queryable,
  instanceUuid: string,
  requestId: string,
  events: readonly ActionEvent[] | undefined,
): Promise<void> {
  if (!events?.length) return;
  const [action] = await tx<{ id: string }[]>`
    SELECT id FROM instance_actions WHERE instance_uuid = ${instanceUuid} AND request_id = ${requestId}`;
  if (!action) return;
  for (const event of events) {
    if (!event.finish) {
      await tx`
        INSERT INTO instance_action_events (action_id, event, host) VALUES (${action.id}, ${event.name}, ${event.host ?? null})
        ON CONFLICT (action_id, event, host) DO NOTHING`;
      continue;
    }
    await finishEvent(tx, action.id, event, event.finish);
  }
}

/**
 * Finishes the event's row on its host; a finish that names no host (or another one) finishes the newest row of
 * that step still open, as the one row per step used to be finished. With nothing to finish, the event is
 * recorded started and finished at once. A retried finish changes nothing.
 */
async function finishEvent(
  tx: Queryable,
  actionId: string,
  event: ActionEvent,
  finish: NonNullable<ActionEvent['finish']>,
): Promise<void> {
  const host = event.host ?? null;
  const [updated] = await tx`
    UPDATE instance_action_events e SET
      finish_time = COALESCE(e.finish_time, now()),
      result = COALESCE(e.result, ${finish.result}),
      traceback = COALESCE(e.traceback, ${finish.traceback ?? null}),
      host = COALESCE(e.host, ${host})
    WHERE e.id = (
      SELECT id FROM instance_action_events
      WHERE action_id = ${actionId} AND event = ${event.name} AND (host IS NOT DISTINCT FROM ${host} OR finish_time IS NULL)
      ORDER BY host IS NOT DISTINCT FROM ${host} DESC, id DESC
      LIMIT 1)
    RETURNING e.id`;
  if (updated) return;
  await tx`
    INSERT INTO instance_action_events (action_id, event, host, finish_time, result, traceback)
    VALUES (${actionId}, ${event.name}, ${host}, now(), ${finish.result}, ${finish.traceback ?? null})
    ON CONFLICT (action_id, event, host) DO NOTHING`;
}
