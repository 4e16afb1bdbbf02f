import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { HostKey, InstanceIdKey, OperationKey } from '../../domain/search-attributes';
import { output } from '../table';
import { pendingStep } from './pending';

export interface OperationRecord {
  [column: string]: unknown;
  workflow: string;
  run: string;
  operation: string | undefined;
  host: string | undefined;
  status: string;
  started: string;
  closed: string | undefined;
  step: string | undefined;
}

/** The step a running operation is on: its pending activity, with the progress its last heartbeat reported. */
async function currentStep(client: Client, info: WorkflowExecutionInfo): Promise<string | undefined> {
  if (info.status.name !== 'RUNNING') return undefined;
  const pending = pendingStep(await client.workflow.getHandle(info.workflowId, info.runId).describe());
  if (!pending) return 'waiting';
  const progress = pending.total ? ` ${pending.done ?? 0}/${pending.total}` : '';
  return `${pending.activity}${progress}${pending.attempt > 1 ? ` (attempt ${pending.attempt})` : ''}`;
}

/** Operations of an instance or a host, newest first, from Temporal's visibility store. */
export async function listOperations(
  client: Client,
  filter: { instance?: string; host?: string; running?: boolean },
): Promise<OperationRecord[]> {
  const clauses = [
    filter.instance ? `${InstanceIdKey.name} = "${filter.instance}"` : null,
    filter.host ? `${HostKey.name} = "${filter.host}"` : null,
    filter.running ? 'ExecutionStatus = "Running"' : null,
  ].filter((c): c is string => c !== null);
  const records: OperationRecord[] = [];
  for await (const info of client.workflow.list({ query: clauses.join(' AND ') || undefined })) {
    records.push({
      workflow: info.workflowId,
      run: info.runId,
      operation: info.typedSearchAttributes.get(OperationKey),
      host: info.typedSearchAttributes.get(HostKey),
      status: info.status.name,
      started: info.startTime.toISOString(),
      closed: info.closeTime?.toISOString(),
      step: await currentStep(client, info),
    });
    if (records.length >= 200) break;
  }
  return records;
}

export async function printOperations(
  client: Client,
  filter: { instance?: string; host?: string; running?: boolean },
  json: boolean,
): Promise<void> {
  const records = await listOperations(client, filter);
  output(json, ['operation', 'status', 'step', 'host', 'started', 'closed', 'workflow', 'run'], records);
}
