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
        ON CONFLICT (action_id, event) DO NOTHING`;
      continue;
    }
    await tx`
      INSERT INTO instance_action_events (action_id, event, host, finish_time, result, traceback)
      VALUES (${action.id}, ${event.name}, ${event.host ?? null}, now(), ${event.finish.result},
              ${event.finish.traceback ?? null})
      ON CONFLICT (action_id, event) DO UPDATE SET
        finish_time = COALESCE(instance_action_events.finish_time, now()),
        result = COALESCE(instance_action_events.result, EXCLUDED.result),
        traceback = COALESCE(instance_action_events.traceback, EXCLUDED.traceback),
        host = COALESCE(instance_action_events.host, EXCLUDED.host)`;
  }
}
