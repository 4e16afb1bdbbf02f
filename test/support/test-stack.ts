import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import postgres, { type Sql } from 'postgres';
import pino from 'pino';
import type { AuthConfig, ComputeConfig, ConductorConfig, OperationSettings } from '../../config';
import { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { createApiApp } from '../../api/app';
import { Operations } from '../../api/operations';
import { createConductorWorker } from '../../worker/conductor-worker';
import { createComputeWorker, hostDataDir, reportHostForever } from '../../worker/compute-worker';
import { waitFor } from '../../worker/infra/ports';
import { quietSdkLogs } from './quiet-sdk';
import { LocalImageStore, type ImageStore } from '../../storage/image-store';

export interface HostSpec {
  name: string;
  vcpus?: number;
  memoryMb?: number;
  diskGb?: number;
}

export interface TestStack {
  baseUrl: string;
  sql: Sql;
  databaseUrl: string;
  client: Client;
  prefix: string;
  settings: OperationSettings;
  dataDir: string;
  temporalAddress: string;
  hypervisor(host: string): FakeHypervisor;
  /** The image store the API, the conductor and the hosts share. */
  images: ImageStore;
  /** Stops a host's in-process worker (a host outage). */
  stopHost(host: string): Promise<void>;
  /** Starts an in-process compute worker for a host. */
  startHost(spec: HostSpec): Promise<void>;
  computeConfig(spec: HostSpec): ComputeConfig;
  stop(): Promise<void>;
}

const quietLog = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

async function cloneDatabase(name: string): Promise<string> {
  const adminUrl = process.env['NOVA_TEST_PG_ADMIN_URL']!;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE nova_template`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A full system for one test file: its own database (cloned from the migrated template), its own queue
 * prefix, a conductor worker, compute hosts and the API on an ephemeral port, all against the run's real
 * PostgreSQL and Temporal servers.
 */
export async function startTestStack(opts: {
  hosts: HostSpec[];
  settings?: Partial<OperationSettings>;
  /** False when the test runs the conductor as its own process. */
  inProcessConductor?: boolean;
  /** noauth2 (`X-Auth-Token: user:project`) unless a test exercises the identity service. */
  auth?: Partial<AuthConfig>;
}): Promise<TestStack> {
  quietSdkLogs();
  const id = randomBytes(4).toString('hex');
  const prefix = `t${id}-`;
  const temporalAddress = process.env['TEMPORAL_ADDRESS']!;
  const databaseUrl = await cloneDatabase(`nova_${id}`);
  const sql = postgres(databaseUrl, { max: 10, onnotice: () => undefined });
  const dataDir = path.join(process.env['NOVA_TEST_SCRATCH']!, prefix);
  const settings: OperationSettings = {
    queuePrefix: prefix,
    computeHeartbeatTimeoutMs: 3000,
    computeScheduleToStartMs: 10_000,
    maxAttempts: 3,
    resizeConfirmWindowMs: 0,
    allowResizeToSameHost: false,
    liveMigrationCompletionTimeoutMs: 0,
    liveMigrationTimeoutAction: 'abort',
    shelvedOffloadTimeMs: 0,
    ...opts.settings,
  };
  const temporal = { address: temporalAddress, namespace: 'default', queuePrefix: prefix };
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default' });

  const imageDir = path.join(dataDir, 'images');
  const images = new LocalImageStore(imageDir);
  const conductorConfig: ConductorConfig = {
    temporal,
    databaseUrl,
    serviceDownTimeMs: 60_000,
    concurrency: 10,
    imageDir,
  };
  const running = new Map<string, { worker: Worker; done: Promise<void> }>();
  if (opts.inProcessConductor !== false) {
    const conductor = await createConductorWorker({
      connection: nativeConnection,
      sql,
      config: conductorConfig,
      workflowBundlePath: process.env['NOVA_TEST_WORKFLOW_BUNDLE'],
    });
    running.set('conductor', { worker: conductor, done: conductor.run() });
  }

  const reportsStop = new AbortController();
  const reports: Promise<void>[] = [];
  const computeConfig = (spec: HostSpec): ComputeConfig => ({
    temporal,
    host: spec.name,
    capacity: { vcpus: spec.vcpus ?? 16, memoryMb: spec.memoryMb ?? 32768, diskGb: spec.diskGb ?? 500 },
    dataDir,
    transferDir: path.join(dataDir, 'transfer'),
    imageDir,
    reportIntervalMs: 2000,
  });
  const startHost = async (spec: HostSpec) => {
    const config = computeConfig(spec);
    const worker = await createComputeWorker(nativeConnection, config);
    running.set(spec.name, { worker, done: worker.run() });
    reports.push(reportHostForever(client, config, settings, reportsStop.signal, () => undefined));
  };
  for (const host of opts.hosts) await startHost(host);
  if (opts.inProcessConductor !== false) await waitForHosts(sql, opts.hosts.length);

  const auth: AuthConfig = { strategy: 'noauth2', tokenLifetimeMs: 3_600_000, ...opts.auth };
  const app = createApiApp({
    sql,
    operations: new Operations(client, settings),
    log: quietLog,
    maxLimit: 1000,
    auth,
    images,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const stopWorker = async (name: string) => {
    const entry = running.get(name);
    if (!entry) return;
    running.delete(name);
    entry.worker.shutdown();
    await entry.done;
  };

  return {
    baseUrl,
    sql,
    databaseUrl,
    client,
    prefix,
    settings,
    dataDir,
    temporalAddress,
    hypervisor: (host) => new FakeHypervisor(host, hostDataDir(dataDir, host), images),
    images,
    stopHost: stopWorker,
    startHost,
    computeConfig,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      reportsStop.abort();
      await Promise.all(reports);
      await terminateRunning(client, prefix);
      await Promise.all([...running.keys()].map(stopWorker));
      await connection.close();
      await nativeConnection.close();
      await sql.end();
    },
  };
}

/** Waits until `count` hosts have reported through their host workflows to the conductor. */
export async function waitForHosts(sql: Sql, count: number): Promise<void> {
  await waitFor(`${count} hosts registered`, async () => {
    const [row] = await sql`SELECT count(*)::int AS n FROM hosts`;
    return row?.['n'] === count;
  });
}

/** Terminates this file's workflows that still run (e.g. host heartbeat workflows). */
async function terminateRunning(client: Client, prefix: string): Promise<void> {
  for await (const wf of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    if (!wf.workflowId.startsWith(prefix)) continue;
    await client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .terminate('test finished')
      .catch(() => undefined);
  }
}
