import type { WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/** The activity a running operation waits on, with the progress its last heartbeat reported. */
export interface PendingStep {
  activity: string;
  attempt: number;
  /** From the heartbeat's `done`/`total` (chunks, bytes, polls), when it has a total. */
  percent?: number;
  done?: number;
  total?: number;
}

export function pendingStep(description: WorkflowExecutionDescription): PendingStep | undefined {
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const payload = pending.heartbeatDetails?.payloads?.[0];
  const detail = payload
    ? (defaultPayloadConverter.fromPayload(payload) as { done?: number; total?: number } | null)
    : null;
  const done = detail?.done ?? undefined;
  const total = detail?.total || undefined;
  return {
    activity: pending.activityType?.name ?? 'activity',
    attempt: pending.attempt ?? 1,
    ...(done === undefined ? {} : { done }),
    ...(total === undefined ? {} : { total, percent: Math.floor((100 * (done ?? 0)) / total) }),
  };
}
