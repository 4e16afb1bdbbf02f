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

/**
 * Records the events in one pipelined batch: one statement per event, which finds the action itself, so the
 * step's writes cost one round trip however many events it carries. The statements run in order, each seeing
 * the ones before it.
 */
export async function recordEvents(
  tx: Queryable,
  instanceUuid: string,
  requestId: string,
  events: readonly ActionEvent[] | undefined,
): Promise<void> {
  if (!events?.length) return;
  await Promise.all(events.map((event) => recordEvent(tx, instanceUuid, requestId, event)));
}

function recordEvent(tx: Queryable, instanceUuid: string, requestId: string, event: ActionEvent) {
  const host = event.host ?? null;
  if (!event.finish) {
    return tx`
      INSERT INTO instance_action_events (action_id, event, host)
      SELECT id, ${event.name}, ${host} FROM instance_actions
      WHERE instance_uuid = ${instanceUuid} AND request_id = ${requestId}
      ON CONFLICT (action_id, event, host) DO NOTHING`;
  }
  return finishEvent(tx, instanceUuid, requestId, event, event.finish);
}

/**
 * Finishes the event's row on its host; a finish that names no host (or another one) finishes the newest row of
 * that step still open, as the one row per step used to be finished. With nothing to finish, the event is
 * recorded started and finished at once. A retried finish changes nothing. No action, no event.
 */
function finishEvent(
  tx: Queryable,
  instanceUuid: string,
  requestId: string,
  event: ActionEvent,
  finish: NonNullable<ActionEvent['finish']>,
) {
  const host = event.host ?? null;
  return tx`
    WITH action AS (
      SELECT id FROM instance_actions WHERE instance_uuid = ${instanceUuid} AND request_id = ${requestId}),
    updated AS (
      UPDATE instance_action_events e SET
        finish_time = COALESCE(e.finish_time, now()),
        result = COALESCE(e.result, ${finish.result}),
        traceback = COALESCE(e.traceback, ${finish.traceback ?? null}),
        host = COALESCE(e.host, ${host})
      WHERE e.id = (
        SELECT ev.id FROM instance_action_events ev, action
        WHERE ev.action_id = action.id AND ev.event = ${event.name}
          AND (ev.host IS NOT DISTINCT FROM ${host} OR ev.finish_time IS NULL)
        ORDER BY ev.host IS NOT DISTINCT FROM ${host} DESC, ev.id DESC
        LIMIT 1)
      RETURNING e.id)
    INSERT INTO instance_action_events (action_id, event, host, finish_time, result, traceback)
    SELECT action.id, ${event.name}, ${host}, now(), ${finish.result}, ${finish.traceback ?? null} FROM action
    WHERE NOT EXISTS (SELECT 1 FROM updated)
    ON CONFLICT (action_id, event, host) DO NOTHING`;
}
