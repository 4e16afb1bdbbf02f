import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type CompiledWorkerOptions,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import pino from 'pino';
import {
  API_STATEMENT_TIMEOUT_MS,
  loadOperationSettings,
  type ComputeConfig,
  type ConductorConfig,
  type OperationSettings,
} from '../config';
import { connectDatabase, type Sql } from '../activities/conductor/db';
import { LocalImageStore } from '../storage/image-store';
import { createApiApp } from '../api/app';
import { Operations } from '../api/operations';
import { computeQueue, conductorQueue } from '../domain/naming';
import { createComputeWorker, reportHostForever } from '../worker/compute-worker';
import { createConductorWorker } from '../worker/conductor-worker';
import { writeWorkflowBundle } from '../worker/infra/bundle';
import { prepareDatabase } from '../worker/infra/database';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../worker/infra/embedded-postgres';
import { freePort, waitFor } from '../worker/infra/ports';
import { startTemporalDevServer, type DevServer } from '../worker/infra/temporal-server';
import { registerSearchAttributes } from '../worker/search-attributes';

/** Added to the run's queue prefix for the baseline's queues: same server, same namespace, its own queues. */
export const BASELINE_PREFIX = 'baseline-';

export interface BenchStack {
  baseUrl: string;
  client: Client;
  /** The API's way of starting operations, for measuring our workflows with the Temporal client alone. */
  operations: Operations;
  /** A pool for the bench's own reads (catalog, audit). */
  sql: Sql;
  settings: OperationSettings;
  baselineSettings: OperationSettings;
  /** Whether the Temporal server is this run's own (false: BENCH_TEMPORAL_ADDRESS named one). */
  ownTemporal: boolean;
  hosts: string[];
  /** What a separate worker process of this run needs (recovery, the second conductor). */
  processes: {
    temporalAddress: string;
    databaseUrl: string;
    /** Compute NOVA_DATA_DIR: host directories live under `<dataDir>/hosts/<host>`. */
    dataDir: string;
    imageDir: string;
    workflowBundlePath: string;
  };
  /** Worker settings the baseline copied from ours, for the report. */
  workerSettings: Record<string, unknown>;
  /** Rejects when any worker stops on its own (a crashed worker would make every number meaningless). */
  workerFailure: Promise<never>;
  startupMs: number;
  stop(): Promise<void>;
}

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** No-op activities under our activity names: the baseline's activities do nothing. */
const CONDUCTOR_STEPS = [
  'admitCreate',
  'admitOperation',
  'selectAndClaim',
  'advanceTask',
  'finishTask',
  'markDeleted',
  'startMigration',
  'beginMigrating',
  'recordMigrated',
  'finishResize',
  'beginConfirm',
  'finishConfirm',
  'admitSnapshot',
  'beginImageUpload',
  'finishShelve',
  'finishOffload',
  'getShelvedImage',
  'finishUnshelve',
  'finishSnapshot',
];
const COMPUTE_STEPS = [
  'spawn',
  'destroy',
  'powerOff',
  'migrateDiskAndPowerOff',
  'finishMigration',
  'removeMigrationTransfer',
  'snapshotDisk',
];

function noops(names: string[]): Record<string, () => Promise<void>> {
  return Object.fromEntries(names.map((n) => [n, async () => undefined]));
}

/**
 * The tuning of one of our workers (slots, pollers, sticky cache, heartbeat throttling, grace time), as options
 * for another worker: the baseline runs with exactly the settings ours run with, whatever they become.
 */
export function mirroredWorkerOptions(
  o: CompiledWorkerOptions,
): Pick<
  WorkerOptions,
  | 'tuner'
  | 'maxCachedWorkflows'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
  | 'nonStickyToStickyPollRatio'
  | 'stickyQueueScheduleToStartTimeout'
  | 'maxHeartbeatThrottleInterval'
  | 'defaultHeartbeatThrottleInterval'
  | 'shutdownGraceTime'
  | 'maxActivitiesPerSecond'
  | 'maxTaskQueueActivitiesPerSecond'
  | 'workflowThreadPoolSize'
  | 'reuseV8Context'
> {
  const fixed = (supplier: CompiledWorkerOptions['tuner']['workflowTaskSlotSupplier'], what: string) => {
    if (supplier.type !== 'fixed-size') {
      throw new Error(`bench mirrors fixed-size ${what} slots only; extend mirroredWorkerOptions for ${supplier.type}`);
    }
    return { type: 'fixed-size' as const, numSlots: supplier.numSlots };
  };
  const poller = (
    p: CompiledWorkerOptions['workflowTaskPollerBehavior'],
  ): WorkerOptions['workflowTaskPollerBehavior'] => ({
    ...p,
  });
  return {
    tuner: {
      workflowTaskSlotSupplier: fixed(o.tuner.workflowTaskSlotSupplier, 'workflow task'),
      activityTaskSlotSupplier: fixed(o.tuner.activityTaskSlotSupplier, 'activity'),
      localActivityTaskSlotSupplier: fixed(o.tuner.localActivityTaskSlotSupplier, 'local activity'),
      nexusTaskSlotSupplier: fixed(o.tuner.nexusTaskSlotSupplier, 'nexus'),
    },
    maxCachedWorkflows: o.maxCachedWorkflows,
    workflowTaskPollerBehavior: poller(o.workflowTaskPollerBehavior),
    activityTaskPollerBehavior: poller(o.activityTaskPollerBehavior),
    nonStickyToStickyPollRatio: o.nonStickyToStickyPollRatio,
    stickyQueueScheduleToStartTimeout: o.stickyQueueScheduleToStartTimeoutMs,
    maxHeartbeatThrottleInterval: o.maxHeartbeatThrottleIntervalMs,
    defaultHeartbeatThrottleInterval: o.defaultHeartbeatThrottleIntervalMs,
    shutdownGraceTime: o.shutdownGraceTimeMs,
    maxActivitiesPerSecond: o.maxActivitiesPerSecond,
    maxTaskQueueActivitiesPerSecond: o.maxTaskQueueActivitiesPerSecond,
    workflowThreadPoolSize: o.workflowThreadPoolSize,
    reuseV8Context: o.reuseV8Context,
  };
}

function summarise(o: ReturnType<typeof mirroredWorkerOptions>): Record<string, unknown> {
  const slots = (s: unknown) => (s as { numSlots: number }).numSlots;
  const tuner = o.tuner as unknown as Record<string, unknown>;
  return {
    workflowTaskSlots: slots(tuner['workflowTaskSlotSupplier']),
    activityTaskSlots: slots(tuner['activityTaskSlotSupplier']),
    maxCachedWorkflows: o.maxCachedWorkflows,
    workflowTaskPollers: o.workflowTaskPollerBehavior,
    activityTaskPollers: o.activityTaskPollerBehavior,
    workflowThreadPoolSize: o.workflowThreadPoolSize,
  };
}

/**
 * The whole system in this process, on servers of its own: embedded PostgreSQL (throw-away directory) and an
 * in-memory Temporal dev server on free loopback ports, a migrated and seeded database, the conductor worker,
 * `hosts` in-process compute hosts and the API on an ephemeral port; beside it, the baseline's workers with the
 * same settings on their own queues. Every queue and workflow ID carries a per-run prefix, so BENCH_TEMPORAL_ADDRESS
 * may name an existing server instead (one started with other dynamic config, say).
 */
export async function startBenchStack(opts: {
  hosts: number;
  log: (line: string) => void;
  /** The compute heartbeat timeout operations run with (NOVA_COMPUTE_HEARTBEAT_TIMEOUT_S); the default otherwise. */
  heartbeatTimeoutS?: number | undefined;
}): Promise<BenchStack> {
  const began = performance.now();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nova-bench-'));
  chmodSync(scratch, 0o755); // PostgreSQL runs as its own user when the bench runs as root
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(scratch, { recursive: true, force: true })];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    Runtime.install({ logger: new DefaultLogger((process.env['TEMPORAL_LOG_LEVEL'] as LogLevel) ?? 'ERROR') });

    opts.log('starting PostgreSQL and Temporal, bundling workflows');
    const [pg, temporal, ourBundle, baselineBundle] = await Promise.all([
      (async () => {
        const db: EmbeddedDatabase = await startEmbeddedPostgres({
          dataDir: path.join(scratch, 'postgres'),
          port: await freePort(),
          persistent: false,
        });
        cleanups.push(() => db.stop());
        await db.createDatabase('nova');
        await prepareDatabase(db.url('nova'));
        return db;
      })(),
      (async () => {
        const existing = process.env['BENCH_TEMPORAL_ADDRESS'];
        if (existing) return { address: existing, own: false };
        const server: DevServer = await startTemporalDevServer({ port: await freePort() });
        cleanups.push(() => server.stop());
        return { address: server.address, own: true };
      })(),
      writeWorkflowBundle(path.join(scratch, 'workflow-bundle.js')),
      bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflows'), logger: silent }),
    ]);
    const databaseUrl = pg.url('nova');

    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    cleanups.push(() => nativeConnection.close());
    const baselineConnection = await NativeConnection.connect({ address: temporal.address });
    cleanups.push(() => baselineConnection.close());
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    await registerSearchAttributes(connection, 'default');

    const prefix = `bench${randomBytes(3).toString('hex')}-`;
    const heartbeat = opts.heartbeatTimeoutS;
    const settings: OperationSettings = {
      ...loadOperationSettings(heartbeat ? { NOVA_COMPUTE_HEARTBEAT_TIMEOUT_S: String(heartbeat) } : {}),
      queuePrefix: prefix,
    };
    const baselineSettings: OperationSettings = { ...settings, queuePrefix: `${prefix}${BASELINE_PREFIX}` };
    const temporalConfig = { address: temporal.address, namespace: 'default', queuePrefix: settings.queuePrefix };
    const conductorConfig: ConductorConfig = {
      temporal: temporalConfig,
      databaseUrl,
      serviceDownTimeMs: 60_000,
      concurrency: 10,
      imageDir: path.join(scratch, 'images'),
      // Read by the conductor process (worker/conductor.ts) only: an in-process worker never sweeps.
      imageSweep: false,
    };
    const conductorSql = connectDatabase(databaseUrl, conductorConfig.concurrency);
    cleanups.push(() => conductorSql.end());
    const apiSql = connectDatabase(databaseUrl, 10, { statementTimeoutMs: API_STATEMENT_TIMEOUT_MS });
    cleanups.push(() => apiSql.end());
    const sql = connectDatabase(databaseUrl, 2);
    cleanups.push(() => sql.end());

    const workers: { name: string; worker: Worker }[] = [];
    const conductor = await createConductorWorker({
      connection: nativeConnection,
      sql: conductorSql,
      config: conductorConfig,
      workflowBundlePath: ourBundle,
    });
    workers.push({ name: 'conductor', worker: conductor });

    const hosts = Array.from({ length: opts.hosts }, (_, i) => `host-${i + 1}`);
    const dataDir = path.join(scratch, 'hosts');
    const computeConfigs: ComputeConfig[] = hosts.map((host) => ({
      temporal: temporalConfig,
      host,
      capacity: { vcpus: 16, memoryMb: 32768, diskGb: 500 },
      dataDir,
      transferDir: path.join(dataDir, 'transfer'),
      imageDir: path.join(scratch, 'images'),
      reportIntervalMs: 10_000,
    }));
    for (const config of computeConfigs) {
      workers.push({ name: config.host, worker: await createComputeWorker(nativeConnection, config) });
    }

    const conductorTuning = mirroredWorkerOptions(conductor.options);
    const computeTuning = mirroredWorkerOptions(workers[1]!.worker.options);
    workers.push({
      name: 'baseline-conductor',
      worker: await Worker.create({
        connection: baselineConnection,
        namespace: 'default',
        taskQueue: conductorQueue(baselineSettings.queuePrefix),
        workflowBundle: { code: baselineBundle.code },
        activities: noops(CONDUCTOR_STEPS),
        ...conductorTuning,
      }),
    });
    for (const host of hosts) {
      workers.push({
        name: `baseline-${host}`,
        worker: await Worker.create({
          connection: baselineConnection,
          namespace: 'default',
          taskQueue: computeQueue(baselineSettings.queuePrefix, host),
          activities: noops(COMPUTE_STEPS),
          ...computeTuning,
        }),
      });
    }

    let stopping = false;
    const running = workers.map(({ name, worker }) => ({
      name,
      worker,
      done: worker.run().then(
        () => {
          if (!stopping) throw new Error(`worker ${name} stopped during the bench`);
        },
        (err: unknown) => {
          throw new Error(`worker ${name} failed: ${String(err)}`);
        },
      ),
    }));
    const workerFailure = Promise.race(running.map((r) => r.done)).then(() => {
      throw new Error('a worker stopped during the bench');
    });
    workerFailure.catch(() => undefined);
    cleanups.push(async () => {
      stopping = true;
      for (const r of running) r.worker.shutdown();
      await Promise.allSettled(running.map((r) => r.done));
    });
    // On a shared server, the host workflows must not outlive the run (before the workers stop: runs reversed).
    cleanups.push(() =>
      terminateRunning(client, [conductorQueue(prefix), conductorQueue(baselineSettings.queuePrefix)]),
    );

    const reportsStop = new AbortController();
    const reports = computeConfigs.map((config) =>
      reportHostForever(client, config, settings, reportsStop.signal, () => undefined),
    );
    cleanups.push(async () => {
      reportsStop.abort();
      await Promise.all(reports);
    });
    await waitFor(`${hosts.length} hosts registered`, async () => {
      const [row] = await sql`SELECT count(*)::int AS n FROM hosts`;
      return row?.['n'] === hosts.length;
    });

    const operations = new Operations(client, settings);
    const app = createApiApp({
      sql: apiSql,
      operations,
      log: pino({ level: 'silent' }),
      maxLimit: 1000,
      images: new LocalImageStore(path.join(scratch, 'images')),
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2.1`;

    return {
      baseUrl,
      client,
      operations,
      sql,
      settings,
      baselineSettings,
      ownTemporal: temporal.own,
      hosts,
      processes: {
        temporalAddress: temporal.address,
        databaseUrl,
        dataDir,
        imageDir: path.join(scratch, 'images'),
        workflowBundlePath: ourBundle,
      },
      workerSettings: { conductor: summarise(conductorTuning), compute: summarise(computeTuning) },
      workerFailure,
      startupMs: performance.now() - began,
      stop: runCleanups,
    };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}

/** Workflows of these queues that still run (the host heartbeat workflows), terminated. */
async function terminateRunning(client: Client, queues: string[]): Promise<void> {
  const query = `ExecutionStatus = 'Running' AND (${queues.map((q) => `TaskQueue = '${q}'`).join(' OR ')})`;
  for await (const wf of client.workflow.list({ query })) {
    await client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .terminate('bench finished')
      .catch(() => undefined);
  }
}

/** The visibility query that selects every run of this bench (ours and the baseline's). */
export function runQuery(stack: Pick<BenchStack, 'settings' | 'baselineSettings'>): string {
  const queues = [conductorQueue(stack.settings.queuePrefix), conductorQueue(stack.baselineSettings.queuePrefix)];
  return `(${queues.map((q) => `TaskQueue = '${q}'`).join(' OR ')})`;
}

/** The environment of a worker process this run starts on its own (`npm start`'s variables), plus `extra`. */
export function workerProcessEnv(stack: BenchStack, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    TEMPORAL_ADDRESS: stack.processes.temporalAddress,
    NOVA_QUEUE_PREFIX: stack.settings.queuePrefix,
    NOVA_IMAGE_DIR: stack.processes.imageDir,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}
