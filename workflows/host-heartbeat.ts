import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  defineUpdate,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { OperationSettings } from '../config';
import type { HostReport, ServiceChange } from '../activities/conductor';
import { conductorQueue, hostWorkflowId } from '../domain/naming';
import { HostKey, OperationKey } from '../domain/search-attributes';
import { conductorOn } from './activities';
import { refusal } from './admission';

/** A compute host's periodic report of capacity and liveness. */
export const hostReportSignal = defineSignal<[HostReport]>('hostReport');

/** An os-services change to the host this workflow belongs to. */
export type ServiceChangeRequest = Omit<ServiceChange, 'host'>;

/** os-services: enable/disable the host's compute service, force it down or up. */
export const updateServiceUpdate = defineUpdate<void, [ServiceChangeRequest]>('updateService');

export interface HostHeartbeatInput {
  host: string;
  settings: OperationSettings;
  pending?: HostReport;
}

/** Keeps histories short: a report is a handful of events. */
const REPORTS_PER_RUN = 500;

/**
 * One long-lived workflow per host carries its reports to the conductor, which alone writes the hosts table:
 * compute processes reach the database only through this path, as nova-compute reaches it through nova-conductor.
 * Operators' os-services changes arrive as updates and are written by the same conductor.
 */
export async function hostHeartbeatWorkflow(input: HostHeartbeatInput): Promise<void> {
  let latest = input.pending;
  setHandler(hostReportSignal, (report) => {
    latest = report;
  });
  const conductor = conductorOn(input.settings);
  setHandler(updateServiceUpdate, async (change) => {
    try {
      await conductor.updateHostService({ ...change, host: input.host });
    } catch (err) {
      throw refusal(err);
    }
  });
  for (let recorded = 0; recorded < REPORTS_PER_RUN && !workflowInfo().continueAsNewSuggested; recorded++) {
    await condition(() => latest !== undefined);
    const report = latest!;
    latest = undefined;
    await conductor.recordHostReport(report);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof hostHeartbeatWorkflow>({ ...input, pending: latest });
}

/**
 * How a host's workflow is started, the same by the compute host (signal-with-start of its reports) and the
 * API (update-with-start of os-services changes), whichever comes first.
 */
export function hostWorkflowStart(settings: OperationSettings, host: string) {
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: HostKey, value: host },
    { key: OperationKey, value: 'host-heartbeat' },
  ];
  return {
    workflowId: hostWorkflowId(settings.queuePrefix, host),
    taskQueue: conductorQueue(settings.queuePrefix),
    args: [{ host, settings }] as [HostHeartbeatInput],
    typedSearchAttributes,
    staticSummary: `liveness and capacity reports of compute host ${host}`,
  };
}
