import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Finding } from './findings';
import { runningInstanceWorkflows } from './drain';

const EventType = temporal.api.enums.v1.EventType;
const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
/** A task that lost a race with a new signal or update is retried by the server: not a fault of the workflow. */
const BENIGN_CAUSES = new Set<number>([Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND]);
/** Closed runs that ended normally: completed, failed with a recorded fault, or cancelled by a delete. */
const NORMAL_ENDS = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** The Temporal side: nothing still runs, and every closed operation's history ended normally, without failed tasks. */
export async function auditHistories(client: Client): Promise<{ findings: Finding[]; runs: number }> {
  const findings: Finding[] = [];
  for (const id of await runningInstanceWorkflows(client))
    findings.push({ category: 'stuck', detail: `workflow ${id} still running` });
  let runs = 0;
  for await (const wf of client.workflow.list({ query: `ExecutionStatus != 'Running'` })) {
    if (!wf.workflowId.startsWith('instance-')) continue;
    runs++;
    if (!NORMAL_ENDS.has(wf.status.name)) {
      findings.push({ category: 'history', detail: `${wf.type} ${wf.workflowId}/${wf.runId} ended ${wf.status.name}` });
      continue;
    }
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const failedTasks = (history.events ?? []).filter(
      (e) =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
        !BENIGN_CAUSES.has(e.workflowTaskFailedEventAttributes?.cause ?? 0),
    );
    if (failedTasks.length > 0) {
      const message = failedTasks[0]?.workflowTaskFailedEventAttributes?.failure?.message ?? '';
      findings.push({
        category: 'history',
        detail: `${wf.type} ${wf.workflowId}/${wf.runId} had ${failedTasks.length} failed workflow task(s): ${message}`,
      });
    }
  }
  return { findings, runs };
}
