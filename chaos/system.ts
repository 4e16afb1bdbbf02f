import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres, { type Sql } from 'postgres';
import { computeQueue, conductorQueue } from '../domain/naming';
import { writeWorkflowBundle } from '../worker/infra/bundle';
import { prepareDatabase } from '../worker/infra/database';
import { postgresUrl, preparePostgresServer } from '../worker/infra/embedded-postgres';
import { freePort, waitFor } from '../worker/infra/ports';
import { spawnEntryPoint } from '../worker/infra/processes';
import { devServerArgs, ensureTemporalCli, temporalAnswers } from '../worker/infra/temporal-server';
import { registerSearchAttributes } from '../worker/search-attributes';
import type { ChaosOptions } from './options';
import { Supervisor, type ServiceSpec } from './supervisor';

/** How often each host reports (and so how often its reaper acts on the conductor's reply). */
export const REPORT_INTERVAL_MS = 2000;

/**
 * Operation settings for the run: short enough that a dead host, a hung step or an undecided resize ends within
 * the drain, long enough that a restart within seconds is not mistaken for a dead host.
 */
const OPERATION_ENV = {
  NOVA_COMPUTE_HEARTBEAT_TIMEOUT_S: '5',
  NOVA_COMPUTE_SCHEDULE_TO_START_S: '30',
  NOVA_SERVICE_DOWN_TIME_S: '20',
  NOVA_COMPUTE_REPORT_INTERVAL_S: String(REPORT_INTERVAL_MS / 1000),
  NOVA_RESIZE_CONFIRM_WINDOW_S: '60',
  NOVA_LIVE_MIGRATION_COMPLETION_TIMEOUT_S: '30',
  NOVA_SHELVED_OFFLOAD_TIME_S: '20',
  LOG_LEVEL: 'info',
};

/** The system under test, as separate processes, and the harness's own connections to look at it. */
export interface ChaosSystem {
  apiUrl: string;
  dataDir: string;
  hosts: string[];
  supervisor: Supervisor;
  /** The harness's read access to the database (audit, recovery probes). */
  sql: Sql;
  client: Client;
  stop(): Promise<void>;
}

/** Starts PostgreSQL, Temporal (file-backed), the conductors, one compute process per host and the API. */
export async function startChaosSystem(options: ChaosOptions, began: number): Promise<ChaosSystem> {
  const dataDir = path.join(options.runDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  chmodSync(options.runDir, 0o755); // PostgreSQL runs as its own user when the harness runs as root
  chmodSync(dataDir, 0o755);
  const supervisor = new Supervisor(path.join(options.runDir, 'logs'), began);
  const [pgPort, temporalPort, apiPort, metadataPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const databaseUrl = postgresUrl(pgPort, 'nova');
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => undefined, connect_timeout: 2, idle_timeout: 5 });
  let connection: Connection | undefined;
  const stop = async () => {
    await sql.end({ timeout: 2 }).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await supervisor.stopAll();
  };
  try {
    const pg = await preparePostgresServer({ dataDir: path.join(dataDir, 'postgres'), port: pgPort });
    const adminUrl = postgresUrl(pgPort, 'postgres');
    await supervisor.start({
      name: 'postgres',
      kind: 'postgres',
      spawn: (fd) => spawn(pg.file, pg.args, { uid: pg.uid, gid: pg.gid, stdio: ['ignore', fd, fd] }),
      ready: () => answersQuery(adminUrl),
    });
    await createDatabase(adminUrl, 'nova');
    await prepareDatabase(databaseUrl, path.join(dataDir, 'images'));

    const cli = ensureTemporalCli();
    const temporalArgs = devServerArgs({ port: temporalPort, dbFile: path.join(dataDir, 'temporal.db') });
    await supervisor.start({
      name: 'temporal',
      kind: 'temporal',
      spawn: (fd) => spawn(cli, temporalArgs, { stdio: ['ignore', fd, fd] }),
      ready: () => temporalAnswers(temporalAddress),
    });
    connection = await Connection.connect({ address: temporalAddress });
    await registerSearchAttributes(connection, 'default');
    const client = new Client({ connection, namespace: 'default' });
    const bundle = await writeWorkflowBundle(path.join(dataDir, 'workflow-bundle.js'));

    const secret = randomBytes(32).toString('hex');
    const common = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      TEMPORAL_ADDRESS: temporalAddress,
      NOVA_DATA_DIR: dataDir,
      ...OPERATION_ENV,
    };
    const polled = (queue: string, kind: 'workflow' | 'activity') => (pid: number) =>
      pollsQueue(connection!, queue, kind, pid);
    const entry = (
      name: string,
      kind: ServiceSpec['kind'] & ('conductor' | 'compute' | 'api'),
      env: NodeJS.ProcessEnv,
      ready: (pid: number) => Promise<boolean>,
    ): ServiceSpec => {
      let pid = 0;
      return {
        name,
        kind,
        spawn: (fd) => {
          const child = spawnEntryPoint(kind, { ...common, ...env }, fd);
          pid = child.pid ?? 0;
          return child;
        },
        ready: () => ready(pid),
      };
    };
    const conductors = Array.from({ length: options.conductors }, (_, i) =>
      entry(
        `conductor-${i + 1}`,
        'conductor',
        { DATABASE_URL: databaseUrl, NOVA_WORKFLOW_BUNDLE: bundle },
        polled(conductorQueue(''), 'workflow'),
      ),
    );
    const hosts = Array.from({ length: options.hosts }, (_, i) => `host-${i + 1}`);
    const metadata = { NOVA_METADATA_SECRET: secret, NOVA_METADATA_URL: `http://127.0.0.1:${metadataPort}` };
    const computes = hosts.map((host) =>
      entry(
        `compute-${host}`,
        'compute',
        { ...metadata, NOVA_COMPUTE_HOST: host },
        polled(computeQueue('', host), 'activity'),
      ),
    );
    await Promise.all([...conductors, ...computes].map((spec) => supervisor.start(spec)));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await supervisor.start(
      entry(
        'api',
        'api',
        {
          ...metadata,
          DATABASE_URL: databaseUrl,
          NOVA_API_PORT: String(apiPort),
          NOVA_METADATA_PORT: String(metadataPort),
        },
        async () => (await fetch(`${apiUrl}/`, { signal: AbortSignal.timeout(2000) })).ok,
      ),
    );
    await waitFor(`${hosts.length} hosts to report`, async () => {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM hosts`;
      return row?.n === hosts.length;
    });
    return { apiUrl, dataDir, hosts, supervisor, sql, client, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function answersQuery(url: string): Promise<boolean> {
  const probe = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => undefined });
  try {
    await probe`SELECT 1`;
    return true;
  } finally {
    await probe.end({ timeout: 1 });
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

/** Whether the process with this PID polls the queue: the SDK's default worker identity is `<pid>@<hostname>`. */
async function pollsQueue(
  connection: Connection,
  queue: string,
  kind: 'workflow' | 'activity',
  pid: number,
): Promise<boolean> {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: queue },
    taskQueueType: kind === 'workflow' ? 1 : 2,
  });
  return (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`) === true);
}
