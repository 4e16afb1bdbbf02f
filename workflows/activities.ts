import {
  ActivityCancellationType,
  proxyActivities,
  type ActivityInterfaceFor,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { OperationSettings } from '../config';
import { FaultType } from '../domain/faults';
import { computeQueue, conductorQueue } from '../domain/naming';
import type { ComputeActivities } from '../activities/compute';
import type { ConductorActivities } from '../activities/conductor';
import type { SchedulerActivities } from '../activities/scheduler';
import { trackStep } from './progress';

const BUSINESS_FAILURES = Object.values(FaultType);

/** Conductor and scheduler steps retry until the database answers: an operation must never stop half-recorded. */
function onConductorQueue(settings: OperationSettings): ActivityOptions {
  return {
    taskQueue: conductorQueue(settings.queuePrefix),
    startToCloseTimeout: '30s',
    retry: { initialInterval: '200ms', maximumInterval: '30s', nonRetryableErrorTypes: BUSINESS_FAILURES },
  };
}

export function conductorOn(settings: OperationSettings): ActivityInterfaceFor<ConductorActivities> {
  return tracked(proxyActivities<ConductorActivities>(onConductorQueue(settings)), 'conductor');
}

export function schedulerOn(settings: OperationSettings): ActivityInterfaceFor<SchedulerActivities> {
  return tracked(proxyActivities<SchedulerActivities>(onConductorQueue(settings)), 'scheduler');
}

/**
 * Hypervisor steps on one host. Nobody else polls a host's queue, so scheduleToStart bounds how long a step
 * waits for a dead host; the heartbeat timeout notices a host that dies mid-step.
 */
export function computeOn(settings: OperationSettings, host: string): ActivityInterfaceFor<ComputeActivities> {
  const proxy = proxyActivities<ComputeActivities>({
    taskQueue: computeQueue(settings.queuePrefix, host),
    scheduleToStartTimeout: settings.computeScheduleToStartMs,
    startToCloseTimeout: '10m',
    heartbeatTimeout: settings.computeHeartbeatTimeoutMs,
    retry: { initialInterval: '500ms', maximumAttempts: 3, nonRetryableErrorTypes: BUSINESS_FAILURES },
    // A cancelled step must really stop before compensation touches the same guest.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: `on ${host}`,
  });
  return tracked(proxy, 'compute', host);
}

/** `advanceTask` → `advance task`: a readable default summary for conductor and scheduler steps. */
function words(activity: string): string {
  return activity.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}

/**
 * The activity proxies every operation uses, with each call reported to the operation's progress (see
 * progress.ts) and given a summary for the Temporal UI when the caller set none. The commands are the same as
 * the plain proxy's: only the activities' UI metadata differ.
 */
function tracked<A extends object>(
  proxy: ActivityInterfaceFor<A>,
  role: 'conductor' | 'scheduler' | 'compute',
  host?: string,
): ActivityInterfaceFor<A> {
  type Call = (options: ActivityOptions, args: unknown[]) => Promise<unknown>;
  return new Proxy(proxy, {
    get(target, name, receiver) {
      const inner = Reflect.get(target, name, receiver) as unknown as { executeWithOptions: Call } | undefined;
      if (typeof name !== 'string' || !inner) return inner;
      const run: Call = (options, args) => {
        const summary = options.summary ?? (host ? undefined : `${role}: ${words(name)}`);
        const withSummary = summary === undefined ? options : { ...options, summary };
        return trackStep({ activity: name, host, summary }, args[0], () => inner.executeWithOptions(withSummary, args));
      };
      return Object.assign((...args: unknown[]) => run({}, args), { executeWithOptions: run });
    },
  });
}
