import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { instanceWorkflowId } from '../../domain/naming';
import { progressQuery, type OperationProgress } from '../../workflows/progress';
import { elapsed, progressBar } from '../progress-bar';
import { pendingStep, type PendingStep } from './pending';

/** One look at the operation: Temporal's status, the workflow's own progress, and its pending activity. */
export interface WatchSample {
  workflowId: string;
  runId: string;
  status: string;
  progress: OperationProgress | undefined;
  pending: PendingStep | undefined;
  /** The pending activity's heartbeat progress, else what the workflow knows (a live migration's memory). */
  percent: number | undefined;
}

export interface WatchOutcome {
  sample: WatchSample | undefined;
  /** 0: succeeded, or now waits for an operator; 1: failed, refused, cancelled; 3: still running at the deadline. */
  exitCode: 0 | 1 | 3;
  message: string;
}

const QUERY_DEADLINE_MS = 5_000;

async function sampleOf(client: Client, handle: WorkflowHandle): Promise<WatchSample> {
  const description = await handle.describe();
  // Runs older than the progress query, or a worker that does not answer, leave only Temporal's view.
  const progress = await client.connection
    .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(progressQuery))
    .catch(() => undefined);
  const pending = description.status.name === 'RUNNING' ? pendingStep(description) : undefined;
  return {
    workflowId: description.workflowId,
    runId: description.runId,
    status: description.status.name,
    progress,
    pending,
    percent: pending?.percent ?? progress?.percent,
  };
}

/** `migrate  resize_migrating  [####----] 45%  power off web-1 and copy its disk from host-a  (host-a, 12s)` */
export function statusText(sample: WatchSample, nowMs: number): string {
  const p = sample.progress;
  if (!p) return `${sample.status} ${sample.pending?.activity ?? ''}`.trim();
  const attempt = sample.pending && sample.pending.attempt > 1 ? ` attempt ${sample.pending.attempt}` : '';
  const where = [p.host, elapsed(nowMs - Date.parse(p.startedAt))].filter(Boolean).join(', ');
  return `${p.operation ?? '?'}  ${p.taskState ?? '-'}  ${progressBar(sample.percent)}  ${p.step}${attempt}  (${where})`;
}

async function failureOf(handle: WorkflowHandle): Promise<string> {
  try {
    await handle.result();
    return 'no failure recorded';
  } catch (err) {
    if (err instanceof WorkflowFailedError) return err.cause?.message ?? err.message;
    return err instanceof Error ? err.message : String(err);
  }
}

/** The outcome once the run has closed, or waits for someone; undefined while it works. */
async function settled(handle: WorkflowHandle, sample: WatchSample): Promise<WatchOutcome | undefined> {
  const p = sample.progress;
  const op = p?.operation ?? 'operation';
  if (sample.status === 'RUNNING') {
    if (p?.phase !== 'waiting') return undefined;
    return { sample, exitCode: 0, message: `${op}: ${p.step}` };
  }
  if (sample.status === 'COMPLETED') {
    if (p?.phase === 'refused') return { sample, exitCode: 1, message: `${op} refused: ${p.detail ?? ''}` };
    return { sample, exitCode: 0, message: `${op} completed` };
  }
  if (sample.status === 'FAILED') {
    return { sample, exitCode: 1, message: `${op} failed at "${p?.step ?? '?'}": ${await failureOf(handle)}` };
  }
  return { sample, exitCode: 1, message: `${op} ${sample.status.toLowerCase()}` };
}

/**
 * Follows the instance's current (or last) operation until it ends or waits for an operator, reporting each
 * change of what it does through `onSample`.
 */
export async function watchOperation(
  client: Client,
  queuePrefix: string,
  instanceUuid: string,
  opts: { onSample(sample: WatchSample): void; pollMs?: number; timeoutMs?: number },
): Promise<WatchOutcome> {
  const handle = client.workflow.getHandle(instanceWorkflowId(queuePrefix, instanceUuid));
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  let sample: WatchSample | undefined;
  for (;;) {
    try {
      sample = await sampleOf(client, handle);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        return { sample: undefined, exitCode: 1, message: `no operation recorded for server ${instanceUuid}` };
      }
      throw err;
    }
    opts.onSample(sample);
    const outcome = await settled(handle, sample);
    if (outcome) return outcome;
    if (Date.now() > deadline) return { sample, exitCode: 3, message: `still running (${sample.progress?.step})` };
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 500));
  }
}
