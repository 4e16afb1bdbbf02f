import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { mean } from './stats';

const E = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The marker the SDK records a local activity's outcome in; its `data` detail names the activity type. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * The local activity an event records, or undefined. Its time is not in the history (the marker's complete_time
 * is the workflow task's clock, not the activity's end): it counts in the workflow task that ran it.
 */
export function localActivityOf(e: HistoryEvent): { type: string } | undefined {
  const marker = e.markerRecordedEventAttributes;
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const payload = marker.details?.['data']?.payloads?.[0]?.data;
  if (!payload) return undefined;
  const data = JSON.parse(Buffer.from(payload).toString('utf8')) as { activity_type?: string };
  return { type: data.activity_type ?? '?' };
}

/** Where one run's time went, from its history's event times (server clock). */
export interface RunBreakdown {
  workflowType: string;
  totalMs: number;
  /** Σ activity scheduled → started: waiting in the task queue for a worker slot and a poll. */
  activityQueueMs: number;
  /** Σ activity started → completed: the activity's own work (disk, hypervisor...). */
  activityExecMs: number;
  /**
   * Σ workflow task scheduled → completed: the workflow's turns (queue, replay or sticky activation, commands)
   * and the local activities (conductor steps: PostgreSQL) they ran.
   */
  workflowTaskMs: number;
  /** The rest: server-side handoffs between an event and the next task. */
  otherMs: number;
  events: number;
  workflowTasks: number;
  localActivities: number;
  activities: { type: string; queueMs: number; execMs: number }[];
}

export interface TypeBreakdown {
  workflowType: string;
  runs: number;
  totalMs: number;
  activityQueueMs: number;
  activityExecMs: number;
  workflowTaskMs: number;
  otherMs: number;
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  /** Mean execution time per activity type, slowest first. */
  perActivity: { type: string; execMs: number; queueMs: number }[];
}

export async function breakdownRun(client: Client, workflowId: string, runId: string): Promise<RunBreakdown> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const at = (e: (typeof events)[number]) => tsToMs(e.eventTime);
  const scheduled = new Map<string, { type: string; ms: number }>();
  const started = new Map<string, number>();
  const wtScheduled = new Map<string, number>();
  const activities: RunBreakdown['activities'] = [];
  let workflowType = '';
  let first = NaN;
  let last = NaN;
  let workflowTaskMs = 0;
  let workflowTasks = 0;
  let localActivities = 0;
  for (const e of events) {
    const id = String(e.eventId);
    const type = e.eventType;
    if (type === E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
      first = at(e);
      workflowType = e.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
    } else if (type === E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) {
      last = at(e);
    } else if (type === E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
      wtScheduled.set(id, at(e));
    } else if (type === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      const from = wtScheduled.get(String(e.workflowTaskCompletedEventAttributes?.scheduledEventId));
      if (from !== undefined) workflowTaskMs += at(e) - from;
      workflowTasks++;
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      scheduled.set(id, { type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', ms: at(e) });
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      started.set(String(e.activityTaskStartedEventAttributes?.scheduledEventId), at(e));
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const key = String(e.activityTaskCompletedEventAttributes?.scheduledEventId);
      const s = scheduled.get(key);
      const st = started.get(key);
      if (s && st !== undefined) activities.push({ type: s.type, queueMs: st - s.ms, execMs: at(e) - st });
    } else if (localActivityOf(e)) {
      localActivities++;
    }
  }
  const totalMs = last - first;
  const activityQueueMs = activities.reduce((a, x) => a + x.queueMs, 0);
  const activityExecMs = activities.reduce((a, x) => a + x.execMs, 0);
  return {
    workflowType,
    totalMs,
    activityQueueMs,
    activityExecMs,
    workflowTaskMs,
    otherMs: totalMs - activityQueueMs - activityExecMs - workflowTaskMs,
    events: events.length,
    workflowTasks,
    localActivities,
    activities,
  };
}

/** Every completed run of these workflow IDs, grouped by workflow type and averaged. */
export async function breakdownByType(client: Client, workflowIds: string[]): Promise<TypeBreakdown[]> {
  const runs: RunBreakdown[] = [];
  for (const workflowId of workflowIds) {
    for await (const wf of client.workflow.list({
      query: `WorkflowId = '${workflowId}' AND ExecutionStatus = 'Completed'`,
    })) {
      runs.push(await breakdownRun(client, wf.workflowId, wf.runId));
    }
  }
  const byType = new Map<string, RunBreakdown[]>();
  for (const run of runs) byType.set(run.workflowType, [...(byType.get(run.workflowType) ?? []), run]);
  return [...byType.entries()].map(([workflowType, rs]) => {
    const perType = new Map<string, { exec: number[]; queue: number[] }>();
    for (const a of rs.flatMap((r) => r.activities)) {
      const entry = perType.get(a.type) ?? { exec: [], queue: [] };
      entry.exec.push(a.execMs);
      entry.queue.push(a.queueMs);
      perType.set(a.type, entry);
    }
    return {
      workflowType,
      runs: rs.length,
      totalMs: mean(rs.map((r) => r.totalMs)),
      activityQueueMs: mean(rs.map((r) => r.activityQueueMs)),
      activityExecMs: mean(rs.map((r) => r.activityExecMs)),
      workflowTaskMs: mean(rs.map((r) => r.workflowTaskMs)),
      otherMs: mean(rs.map((r) => r.otherMs)),
      events: mean(rs.map((r) => r.events)),
      workflowTasks: mean(rs.map((r) => r.workflowTasks)),
      activities: mean(rs.map((r) => r.activities.length)),
      localActivities: mean(rs.map((r) => r.localActivities)),
      perActivity: [...perType.entries()]
        .map(([type, v]) => ({ type, execMs: mean(v.exec), queueMs: mean(v.queue) }))
        .sort((a, b) => b.execMs - a.execMs),
    };
  });
}

/**
 * The activities of the first completed run of `workflowType` under this workflow ID, in order, each as
 * `name@conductor`, `name@compute` or `name@local` (a local activity): what the baseline must match step for step.
 */
export async function activityShape(client: Client, workflowId: string, workflowType: string): Promise<string[]> {
  const query = `WorkflowId = '${workflowId}' AND WorkflowType = '${workflowType}' AND ExecutionStatus = 'Completed'`;
  for await (const wf of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const local = localActivityOf(e);
      if (local) return [`${local.type}@local`];
      const a = e.activityTaskScheduledEventAttributes;
      if (!a) return [];
      const queue = a.taskQueue?.name ?? '';
      return [`${a.activityType?.name ?? '?'}@${/compute-/.test(queue) ? 'compute' : 'conductor'}`];
    });
  }
  return [];
}
