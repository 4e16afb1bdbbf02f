import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
  type ActivityInterfaceFor,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import { hasPatch } from './patches';
import type { OperationSettings } from '../config';
import { FaultType } from '../domain/faults';
import { computeQueue, conductorQueue } from '../domain/naming';
import type { ComputeActivities } from '../activities/compute';
import type { ConductorActivities } from '../activities/conductor';
import type { SchedulerActivities } from '../activities/scheduler';
import { trackStep } from './progress';

const BUSINESS_FAILURES = Object.values(FaultType);

/** Conductor and scheduler steps retry until the database answers: an operation must never stop half-recorded. */
const UNTIL_THE_DATABASE_ANSWERS = {
  initialInterval: '200ms',
  maximumInterval: '30s',
  nonRetryableErrorTypes: BUSINESS_FAILURES,
};

function onConductorQueue(settings: OperationSettings): ActivityOptions {
  return {
    taskQueue: conductorQueue(settings.queuePrefix),
    startToCloseTimeout: '30s',
    retry: UNTIL_THE_DATABASE_ANSWERS,
  };
}

/**
 * Conductor and scheduler steps are short database transactions in the process that runs the workflows, so they
 * run there as local activities: no task queue round trip, and one workflow task carries an admission, the claim
 * and the task_state change before the hypervisor step. A retry waiting longer than `localRetryThreshold` waits
 * on a durable timer instead of holding the workflow task (a database outage).
 */
const IN_THE_CONDUCTOR: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: UNTIL_THE_DATABASE_ANSWERS,
  localRetryThreshold: '10s',
};

/** Runs recorded before this patch scheduled conductor and scheduler steps on the conductor's task queue. */
const LOCAL_CONDUCTOR_STEPS = 'conductor-steps-local';

function conductorProxy<A extends object>(settings: OperationSettings): ActivityInterfaceFor<A> {
  return hasPatch(LOCAL_CONDUCTOR_STEPS)
    ? proxyLocalActivities<A>(IN_THE_CONDUCTOR)
    : proxyActivities<A>(onConductorQueue(settings));
}

export function conductorOn(settings: OperationSettings): ActivityInterfaceFor<ConductorActivities> {
  return tracked(conductorProxy<ConductorActivities>(settings), 'conductor');
}

/**
 * Conductor steps from the conductor's task queue, as runs before LOCAL_CONDUCTOR_STEPS took them: the bench's
 * twin of raw Temporal written the common way, with every step an activity on a queue.
 */
export function queuedConductorOn(settings: OperationSettings): ActivityInterfaceFor<ConductorActivities> {
  return tracked(proxyActivities<ConductorActivities>(onConductorQueue(settings)), 'conductor');
}

export function schedulerOn(settings: OperationSettings): ActivityInterfaceFor<SchedulerActivities> {
  return tracked(conductorProxy<SchedulerActivities>(settings), 'scheduler');
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

/**
 * Steps on one host that a waiting request needs at once (a console read, a crash dump): a host that does not
 * pick the step up within seconds is down, and the caller hears so then instead of after an operation's patience.
 */
export function computePromptlyOn(settings: OperationSettings, host: string): ActivityInterfaceFor<ComputeActivities> {
  return proxyActivities<ComputeActivities>({
    taskQueue: computeQueue(settings.queuePrefix, host),
    scheduleToStartTimeout: '5s',
    startToCloseTimeout: '10s',
    retry: { initialInterval: '200ms', maximumAttempts: 2, nonRetryableErrorTypes: BUSINESS_FAILURES },
    summary: `on ${host}`,
  });
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
  type Call = (options: ActivityOptions | LocalActivityOptions, args: unknown[]) => Promise<unknown>;
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
