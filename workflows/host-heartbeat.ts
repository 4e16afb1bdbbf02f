import { condition, continueAsNew, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';
import type { OperationSettings } from '../config';
import type { HostReport } from '../activities/conductor';
import { conductorOn } from './activities';

/** A compute host's periodic report of capacity and liveness. */
export const hostReportSignal = defineSignal<[HostReport]>('hostReport');

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
 */
export async function hostHeartbeatWorkflow(input: HostHeartbeatInput): Promise<void> {
  let latest = input.pending;
  setHandler(hostReportSignal, (report) => {
    latest = report;
  });
  const conductor = conductorOn(input.settings);
  for (let recorded = 0; recorded < REPORTS_PER_RUN && !workflowInfo().continueAsNewSuggested; recorded++) {
    await condition(() => latest !== undefined);
    const report = latest!;
    latest = undefined;
    await conductor.recordHostReport(report);
  }
  await continueAsNew<typeof hostHeartbeatWorkflow>({ ...input, pending: latest });
}
