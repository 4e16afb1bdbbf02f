import { defineQuery, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { hasPatch } from './patches';
import type { ConductorActivities } from '../activities/conductor';
import { HostKey, InstanceIdKey, OperationKey, TaskStateKey } from '../domain/search-attributes';
import { TaskState } from '../domain/states';

/** Where an operation is, for `nova-admin watch` and the Temporal UI's query tab. */
export const progressQuery = defineQuery<OperationProgress>('progress');

export type ProgressPhase = 'admitting' | 'refused' | 'running' | 'waiting';

export interface OperationProgress {
  /** The `Operation` search attribute: `create`, `migrate`, `live-migration`... */
  operation: string | null;
  instanceUuid: string | null;
  phase: ProgressPhase;
  /** What runs now (the activity's summary), or what the operation waits for. */
  step: string;
  stepStartedAt: string;
  /** Steps (activities) finished so far. */
  stepsDone: number;
  /** Nova's task_state as this operation last set it; null once it has cleared it. */
  taskState: string | null;
  /** The `Host` search attribute: the host the operation works on now (a migration's destination once chosen). */
  host: string | null;
  /** Set when the operation can tell: a live migration's memory copied so far. */
  percent?: number;
  /** The activity behind the step, a refusal's reason, or what a waiting operation needs. */
  detail?: string;
  startedAt: string;
}

/** A step as the activity proxies see it. */
export interface StepStart {
  activity: string;
  /** The compute host whose queue runs it; undefined for conductor and scheduler steps. */
  host?: string;
  summary?: string;
}

// Module state is per workflow run: the SDK evaluates the bundle's modules once per workflow context.
let phase: ProgressPhase = 'admitting';
let step = 'admission';
let stepStartedAt: Date | undefined;
let stepsDone = 0;
let inFlight = 0;
let taskState: string | null = null;
let percent: number | undefined;
let detail: string | undefined;
let waitingFor: string | undefined;

/** Registers the `progress` query; every instance operation does it through its AdmissionGate. */
export function trackProgress(): void {
  setHandler(progressQuery, snapshot);
}

function snapshot(): OperationProgress {
  const info = workflowInfo();
  const attributes = info.typedSearchAttributes;
  const idle = inFlight === 0 && waitingFor !== undefined;
  return {
    operation: attributes.get(OperationKey) ?? null,
    instanceUuid: attributes.get(InstanceIdKey) ?? null,
    phase: idle ? 'waiting' : phase,
    step: idle ? `waiting for ${waitingFor}` : step,
    stepStartedAt: (stepStartedAt ?? info.startTime).toISOString(),
    stepsDone,
    taskState,
    host: attributes.get(HostKey) ?? null,
    ...(percent === undefined ? {} : { percent }),
    ...(detail === undefined ? {} : { detail }),
    startedAt: info.startTime.toISOString(),
  };
}

/** The admission's outcome, from the AdmissionGate. */
export function admissionDecided(admitted: boolean, reason?: string): void {
  phase = admitted ? 'running' : 'refused';
  if (!admitted) {
    step = 'refused at admission';
    detail = reason;
  }
}

/**
 * The operation now waits for something other than an activity (an operator's decision, a timer); the next step
 * ends the wait.
 */
export function waitingOn(what: string): void {
  waitingFor = what;
  stepStartedAt = new Date();
}

/** Runs one activity as the operation's current step, and records what it changed. */
export async function trackStep<T>(start: StepStart, input: unknown, run: () => Promise<T>): Promise<T> {
  waitingFor = undefined;
  inFlight++;
  step = start.summary ?? (start.host ? `${start.activity} on ${start.host}` : start.activity);
  detail = start.activity;
  stepStartedAt = new Date();
  try {
    const result = await run();
    stepsDone++;
    recordEffects(start.activity, input);
    return result;
  } finally {
    inFlight--;
  }
}

/**
 * The task_state a conductor step leaves behind when its input does not name it: the input's `taskState`
 * (admissions) or `next` (advances) does otherwise. Steps not listed here leave the task_state as it was.
 */
const TASK_STATE_AFTER: Partial<Record<keyof ConductorActivities, string | null>> = {
  admitCreate: TaskState.Scheduling,
  admitEvacuation: TaskState.Rebuilding,
  recordEvacuationDest: TaskState.RebuildBlockDeviceMapping,
  beginMigrating: TaskState.ResizeMigrating,
  recordMigrated: TaskState.ResizeFinish,
  beginRevert: TaskState.ResizeReverting,
  finishTask: null,
  failTask: null,
  failRebuildBeforeSwap: null,
  markDeleted: null,
  finishResize: null,
  rollbackMigration: null,
  finishConfirm: null,
  finishRevert: null,
  finishLiveMigration: null,
  finishEvacuation: null,
  failEvacuation: null,
  finishSnapshot: null,
  failSnapshot: null,
  finishOffload: null,
  finishUnshelve: null,
  failUnshelve: null,
};

function taskStateAfter(activity: string, input: unknown): string | null | undefined {
  const fields = (input ?? {}) as { taskState?: unknown; next?: unknown; offload?: unknown };
  if (activity === 'finishShelve') return fields.offload === true ? TaskState.ShelvingOffloading : null;
  if (activity in TASK_STATE_AFTER) return TASK_STATE_AFTER[activity as keyof ConductorActivities];
  if (typeof fields.taskState === 'string') return fields.taskState;
  if (typeof fields.next === 'string') return fields.next;
  return undefined;
}

/** Histories recorded before the TaskState search attribute existed hold no upserts of it. */
const TASK_STATE_ATTRIBUTE_PATCH = 'task-state-search-attribute';

function recordEffects(activity: string, input: unknown): void {
  const memory = (input as { memory?: { total: number; processed: number } } | undefined)?.memory;
  if (memory && memory.total > 0) percent = Math.min(99, Math.floor((100 * memory.processed) / memory.total));
  const next = taskStateAfter(activity, input);
  if (next === undefined || next === taskState) return;
  taskState = next;
  if (hasPatch(TASK_STATE_ATTRIBUTE_PATCH)) upsertSearchAttributes([{ key: TaskStateKey, value: next }]);
}
