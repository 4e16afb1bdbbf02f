import { type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ConductorConfig } from '../config';
import { ONE_TRANSACTION_STEPS, createConductorActivities } from '../activities/conductor';
import { listHostStates, schedulerClaims } from '../activities/conductor/claims';
import type { Sql } from '../activities/conductor/db';
import { StepLog } from '../activities/conductor/step-log';
import { stepAwareSql } from '../activities/conductor/step-transaction';
import { HostStateCache, createSchedulerActivities } from '../activities/scheduler';
import { conductorQueue } from '../domain/naming';
import { LocalImageStore } from '../storage/image-store';
import { WORKFLOW_INTERCEPTOR_MODULES, activityInterceptors, workflowSinks } from './interceptors';
import { stepLogInterceptor } from './step-log-interceptor';
import type { Tracing } from './tracing';

export interface ConductorWorkerDeps {
  connection: NativeConnection;
  sql: Sql;
  config: ConductorConfig;
  /** A prebuilt bundle (tests, production); without it the worker bundles workflows/ at start. */
  workflowBundlePath?: string;
  /** Spans for workflows and activities; off when not given. */
  tracing?: Tracing | undefined;
}

/** The conductor process's worker: workflows, scheduler and conductor activities, the only database writer. */
export async function createConductorWorker(deps: ConductorWorkerDeps): Promise<Worker> {
  const { sql, config } = deps;
  const stepLog = new StepLog(sql, warnPurgeFailed);
  const hostStates = new HostStateCache(() => listHostStates(sql));
  const bundle: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = deps.workflowBundlePath
    ? { workflowBundle: { codePath: deps.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: conductorQueue(config.temporal.queuePrefix),
    ...bundle,
    interceptors: {
      // The step log innermost: a step it answers from the log still gets its log context and span.
      activity: [...activityInterceptors(deps.tracing), stepLogInterceptor(stepLog, ONE_TRANSACTION_STEPS)],
      // A prebuilt bundle has them compiled in (worker/infra/bundle.ts).
      ...(deps.workflowBundlePath ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
    },
    sinks: workflowSinks(deps.tracing),
    activities: {
      ...createConductorActivities(stepAwareSql(sql, stepLog), new LocalImageStore(config.imageDir), {
        serviceDownTimeMs: config.serviceDownTimeMs,
        onHostServiceChanged: () => hostStates.invalidate(),
      }),
      ...createSchedulerActivities({
        ...schedulerClaims(sql),
        hostStates,
        serviceDownTimeMs: config.serviceDownTimeMs,
      }),
    },
    // Conductor and scheduler steps run as local activities (workflows/activities.ts); runs recorded before
    // that still take theirs from the queue. Either way each holds one of the pool's connections.
    maxConcurrentActivityTaskExecutions: config.concurrency,
    maxConcurrentLocalActivityExecutions: config.concurrency,
    maxConcurrentWorkflowTaskExecutions: 10,
    shutdownGraceTime: '10s',
  });
}

function warnPurgeFailed(err: unknown): void {
  Runtime.instance().logger.warn('Purging old step results failed; the next purge tries again', { err });
}
