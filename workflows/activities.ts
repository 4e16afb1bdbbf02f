import { ActivityCancellationType, proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { OperationSettings } from '../config';
import { FaultType } from '../domain/faults';
import { computeQueue, conductorQueue } from '../domain/naming';
import type { ComputeActivities } from '../activities/compute';
import type { ConductorActivities } from '../activities/conductor';
import type { SchedulerActivities } from '../activities/scheduler';

const BUSINESS_FAILURES = Object.values(FaultType);

/** Conductor writes retry until the database answers: an operation must never stop half-recorded. */
export function conductorOn(settings: OperationSettings): ActivityInterfaceFor<ConductorActivities> {
  return proxyActivities<ConductorActivities>({
    taskQueue: conductorQueue(settings.queuePrefix),
    startToCloseTimeout: '30s',
    retry: { initialInterval: '200ms', maximumInterval: '30s', nonRetryableErrorTypes: BUSINESS_FAILURES },
  });
}

export function schedulerOn(settings: OperationSettings): ActivityInterfaceFor<SchedulerActivities> {
  return proxyActivities<SchedulerActivities>({
    taskQueue: conductorQueue(settings.queuePrefix),
    startToCloseTimeout: '30s',
    retry: { initialInterval: '200ms', maximumInterval: '30s', nonRetryableErrorTypes: BUSINESS_FAILURES },
  });
}

/**
 * Hypervisor steps on one host. Nobody else polls a host's queue, so scheduleToStart bounds how long a step
 * waits for a dead host; the heartbeat timeout notices a host that dies mid-step.
 */
export function computeOn(settings: OperationSettings, host: string): ActivityInterfaceFor<ComputeActivities> {
  return proxyActivities<ComputeActivities>({
    taskQueue: computeQueue(settings.queuePrefix, host),
    scheduleToStartTimeout: settings.computeScheduleToStartMs,
    startToCloseTimeout: '10m',
    heartbeatTimeout: settings.computeHeartbeatTimeoutMs,
    retry: { initialInterval: '500ms', maximumAttempts: 3, nonRetryableErrorTypes: BUSINESS_FAILURES },
    // A cancelled step must really stop before compensation touches the same guest.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: `on ${host}`,
  });
}
