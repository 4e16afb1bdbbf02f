import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  defineUpdate,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { hasPatch } from './patches';
import type { SearchAttributePair } from '@temporalio/common';
import type { OperationSettings } from '../config';
import type { HostReport, ServiceChange, StaleGuest } from '../activities/conductor';
import { conductorQueue, hostWorkflowId } from '../domain/naming';
import { HostKey, OperationKey } from '../domain/search-attributes';
import { computeOn, conductorOn } from './activities';
import { refusal } from './admission';
import { HostReaper } from './host-reaper';

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

/**
 * A report is about ten events. A conductor that takes over a host's workflow (after a restart, or when its
 * sticky cache dropped it) replays the run from its first event inside one workflow task, and it must finish
 * within the task timeout (10 s) even on a loaded machine, or the host's reports stop being recorded and the
 * host counts as down. A 2,400-event run took 15-25 s to replay at load 20 on 2 cores (chaos run, seed 7):
 * every host went down for minutes. Short runs replay in a second.
 */
export const REPORTS_PER_RUN = 25;
const REPORTS_PER_RUN_BEFORE_SHORT_RUNS = 500;

/**
 * One long-lived workflow per host carries its reports to the conductor, which alone writes the hosts table:
 * compute processes reach the database only through this path, as nova-compute reaches it through nova-conductor.
 * The conductor answers a report with the guests evacuated away from this host while it was down; the host
 * destroys them before it counts as up again, as nova-compute's init_host does. An up host's reply names the
 * orphaned guests it holds (left behind by a cleanup that failed), which the host reaps in the background, and
 * the disk copies of settled migrations in the transfer area, which the host removes the same way.
 */
export async function hostHeartbeatWorkflow(input: HostHeartbeatInput): Promise<void> {
  let latest = input.pending;
  setHandler(hostReportSignal, (report) => {
    latest = report;
  });
  const conductor = conductorOn(input.settings);
  const reaper = new HostReaper(input.settings, input.host);
  setHandler(updateServiceUpdate, async (change) => {
    try {
      await conductor.updateHostService({ ...change, host: input.host });
    } catch (err) {
      throw refusal(err);
    }
  });
  // Runs started before short runs keep their length: ending them early would not replay.
  const reportsPerRun = hasPatch('short-host-runs') ? REPORTS_PER_RUN : REPORTS_PER_RUN_BEFORE_SHORT_RUNS;
  for (let recorded = 0; recorded < reportsPerRun && !workflowInfo().continueAsNewSuggested; recorded++) {
    await condition(() => latest !== undefined);
    const report = latest!;
    latest = undefined;
    // Histories recorded before the conductor answered reports hold no reply here.
    const reply = await conductor.recordHostReport(report);
    if (reply?.stale.length) await destroyStaleGuests(input, reply.stale);
    // Replies recorded before orphans (or transfers) were reported carry none: those histories schedule nothing
    // more here.
    if (reply?.orphans?.length) reaper.reap(reply.orphans);
    if (reply?.settledTransfers?.length) reaper.removeTransfers(reply.settledTransfers);
  }
  await reaper.settled();
  await condition(allHandlersFinished);
  await continueAsNew<typeof hostHeartbeatWorkflow>({ ...input, pending: latest });
}

/**
 * Destroys the stale copies of evacuated instances on this host (all at once: a host that does not serve its
 * queue costs one scheduleToStart, not one per guest), then lets the conductor drop their source allocations
 * and complete the evacuations. A guest the host fails to destroy keeps its evacuation `done`
 * (and the host down): the next report tries again.
 */
async function destroyStaleGuests(input: HostHeartbeatInput, stale: readonly StaleGuest[]): Promise<void> {
  const compute = computeOn(input.settings, input.host);
  const destroyed = await Promise.all(
    stale.map(async (guest) => {
      if (!guest.onHost) return guest.migrationUuid;
      try {
        await compute.destroy.executeWithOptions(
          { summary: `destroy the stale copy of evacuated instance ${guest.instanceUuid}` },
          [guest.instanceUuid],
        );
        return guest.migrationUuid;
      } catch (err) {
        log.warn('could not destroy an evacuated guest; the next report tries again', {
          host: input.host,
          instanceUuid: guest.instanceUuid,
          error: String(err),
        });
        return undefined;
      }
    }),
  );
  const cleaned = destroyed.filter((uuid) => uuid !== undefined);
  if (cleaned.length > 0) {
    await conductorOn(input.settings).completeEvacuations({ host: input.host, migrationUuids: cleaned });
  }
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
