import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import postgres, { type Sql } from 'postgres';
import pino, { type Logger } from 'pino';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { AuthConfig, ComputeConfig, ConductorConfig, OperationSettings } from '../../config';
import { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { HOST_STATE_SERVE_STALE_MS } from '../../activities/scheduler/host-cache';
import { MetadataProxy } from '../../activities/compute/metadata-proxy';
import { createApiApp } from '../../api/app';
import { createMetadataApp } from '../../api/metadata/app';
import { passwordPoster } from '../../api/metadata/password';
import { Operations } from '../../api/operations';
import { createConductorWorker } from '../../worker/conductor-worker';
import { createComputeWorker, hostDataDir, reportHostForever } from '../../worker/compute-worker';
import { waitFor } from '../../worker/infra/ports';
import { startTracing, tracingClientInterceptors } from '../../worker/tracing';
import { installSdkLogger, quietSdkLogs } from './quiet-sdk';
import { LocalImageStore, type ImageStore } from '../../storage/image-store';

export interface HostSpec {
  name: string;
  vcpus?: number;
  memoryMb?: number;
  diskGb?: number;
}

export interface TestStack {
  baseUrl: string;
  /** The metadata service (nova-api-metadata) on its own ephemeral port. */
  metadataUrl: string;
  sql: Sql;
  databaseUrl: string;
  client: Client;
  prefix: string;
  settings: OperationSettings;
  dataDir: string;
  temporalAddress: string;
  hypervisor(host: string): FakeHypervisor;
  /** The host's metadata proxy: signs a guest's requests with the stack's shared secret, as the guest would. */
  metadataProxy(host: string): MetadataProxy;
  /** The image store the API, the conductor and the hosts share, and its root directory. */
  images: ImageStore;
  imageDir: string;
  /** Stops a host's in-process worker and its liveness reports (a host outage). */
  stopHost(host: string): Promise<void>;
  /** Starts an in-process compute worker for a host. */
  startHost(spec: HostSpec): Promise<void>;
  /**
   * Stops the in-process conductor worker: workflow tasks and conductor steps wait in their queue (what the
   * workflows receive meanwhile arrives together once it is back).
   */
  stopConductor(): Promise<void>;
  /** Starts the in-process conductor worker again. */
  startConductor(): Promise<void>;
  computeConfig(spec: HostSpec): ComputeConfig;
  stop(): Promise<void>;
}

const quietLog = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** A database of its own for a test, cloned from the migrated template; its URL. */
export async function cloneDatabase(name: string): Promise<string> {
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
  /** `default`: the admin project keeps Nova's default quotas; otherwise its instances, cores and RAM are unlimited. */
  adminQuotas?: 'default' | 'unlimited';
  /** noauth2 (`X-Auth-Token: user:project`) unless a test exercises the identity service. */
  auth?: Partial<AuthConfig>;
  /** The image service's upload cap (1 GiB unless a test needs a small one). */
  imageMaxBytes?: number;
  /** A Temporal server of the test's own (one it restarts); the run's shared server otherwise. */
  temporalAddress?: string;
  /** Where the API, the metadata service and the workers (through the Temporal SDK) log; silent otherwise. */
  log?: Logger;
  /** Spans of the API, workflows and activities go here (the whole stack is one traced process). */
  tracing?: { exporter: SpanExporter };
  /** How long Idempotency-Keys last (24 h unless a test watches one expire). */
  idempotencyKeyTtlMs?: number;
  /** How often each host reports (2 s unless a test watches many reports). */
  reportIntervalMs?: number;
}): Promise<TestStack> {
  if (opts.log) installSdkLogger(opts.log);
  else quietSdkLogs();
  const log = opts.log ?? quietLog;
  const tracing = opts.tracing && startTracing({ serviceName: 'nova-test-stack', exporter: opts.tracing.exporter });
  const id = randomBytes(4).toString('hex');
  const prefix = `t${id}-`;
  const temporalAddress = opts.temporalAddress ?? process.env['TEMPORAL_ADDRESS']!;
  const databaseUrl = await cloneDatabase(`nova_${id}`);
  const sql = postgres(databaseUrl, { max: 10, onnotice: () => undefined });
  if (opts.adminQuotas !== 'default') {
    // Most files create more servers in the admin project than Nova's default quota of 10; quota tests use
    // their own projects (or ask for the defaults).
    // noauth2's project is `admin`; Keystone's admin project has a generated id.
    await sql`
      INSERT INTO quotas (project_id, resource, hard_limit)
      SELECT p.id, r.resource, -1
      FROM (SELECT 'admin' AS id UNION SELECT id FROM projects WHERE name = 'admin') p,
           (VALUES ('instances'), ('cores'), ('ram')) AS r(resource)`;
  }
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
    reclaimInstanceIntervalMs: 0,
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
    // Read by the conductor process (worker/conductor.ts) only; image-bytes.test.ts runs the sweeper.
    imageSweep: false,
  };
  const running = new Map<string, { worker: Worker; done: Promise<void> }>();
  const startConductor = async () => {
    const conductor = await createConductorWorker({
      connection: nativeConnection,
      sql,
      config: conductorConfig,
      workflowBundlePath: process.env['NOVA_TEST_WORKFLOW_BUNDLE'],
      tracing,
    });
    running.set('conductor', { worker: conductor, done: conductor.run() });
  };
  if (opts.inProcessConductor !== false) await startConductor();

  // The metadata service first: hosts get its URL (and the per-stack secret) in their configuration.
  const metadataSecret = randomBytes(32).toString('hex');
  const metadataServer = await listen(
    createMetadataApp({
      sql,
      log: log.child({ component: 'metadata' }),
      secret: metadataSecret,
      cacheExpirationMs: 15_000,
      dhcpDomain: 'novalocal',
      postPassword: passwordPoster(new Operations(client, settings)),
    }),
  );
  const metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;

  /** Each host's liveness reports, stopped with the host. */
  const reports = new Map<string, { stop: AbortController; done: Promise<void> }>();
  const computeConfig = (spec: HostSpec): ComputeConfig => ({
    temporal,
    host: spec.name,
    capacity: { vcpus: spec.vcpus ?? 16, memoryMb: spec.memoryMb ?? 32768, diskGb: spec.diskGb ?? 500 },
    dataDir,
    transferDir: path.join(dataDir, 'transfer'),
    imageDir,
    reportIntervalMs: opts.reportIntervalMs ?? 2000,
    metadataProxy: { url: metadataUrl, secret: metadataSecret },
  });
  const startHost = async (spec: HostSpec) => {
    const config = computeConfig(spec);
    const worker = await createComputeWorker(nativeConnection, config, tracing);
    running.set(spec.name, { worker, done: worker.run() });
    const stop = new AbortController();
    reports.set(spec.name, { stop, done: reportHostForever(client, config, settings, stop.signal, () => undefined) });
  };
  for (const host of opts.hosts) await startHost(host);
  if (opts.inProcessConductor !== false) await waitForHosts(sql, opts.hosts.length);

  const auth: AuthConfig = { strategy: 'noauth2', tokenLifetimeMs: 3_600_000, ...opts.auth };
  // The API's own client: with tracing, its workflow starts carry the request's trace (the host reports do not).
  const interceptors = tracingClientInterceptors(tracing);
  const apiClient = new Client({ connection, namespace: 'default', ...(interceptors && { interceptors }) });
  const app = createApiApp({
    sql,
    operations: new Operations(apiClient, settings),
    log: log.child({ component: 'api' }),
    maxLimit: 1000,
    auth,
    images,
    guestSecret: metadataSecret,
    ...(opts.imageMaxBytes === undefined ? {} : { imageMaxBytes: opts.imageMaxBytes }),
    ...(opts.idempotencyKeyTtlMs === undefined ? {} : { idempotencyKeyTtlMs: opts.idempotencyKeyTtlMs }),
  });
  const server = await listen(app);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const stopWorker = async (name: string) => {
    const entry = running.get(name);
    if (!entry) return;
    running.delete(name);
    entry.worker.shutdown();
    await entry.done;
  };
  const stopReports = async (name: string) => {
    const entry = reports.get(name);
    if (!entry) return;
    reports.delete(name);
    entry.stop.abort();
    await entry.done;
  };

  const hypervisor = (host: string) => new FakeHypervisor(host, hostDataDir(dataDir, host), images);
  return {
    baseUrl,
    metadataUrl,
    sql,
    databaseUrl,
    client,
    prefix,
    settings,
    dataDir,
    temporalAddress,
    hypervisor,
    metadataProxy: (host) => new MetadataProxy(hypervisor(host), { url: metadataUrl, secret: metadataSecret }),
    images,
    imageDir,
    stopHost: async (host) => {
      await stopReports(host);
      await stopWorker(host);
    },
    startHost,
    stopConductor: () => stopWorker('conductor'),
    startConductor,
    computeConfig,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => metadataServer.close(() => resolve()));
      await Promise.all([...reports.keys()].map(stopReports));
      await terminateRunning(client, prefix);
      await Promise.all([...running.keys()].map(stopWorker));
      await connection.close();
      await nativeConnection.close();
      await sql.end();
      await tracing?.shutdown();
    },
  };
}

function listen(app: { listen(port: number, host: string, cb: () => void): Server }): Promise<Server> {
  return new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
}

/** Waits until `count` hosts have reported through their host workflows to the conductor. */
export async function waitForHosts(sql: Sql, count: number): Promise<void> {
  await waitFor(`${count} hosts registered`, async () => {
    const [row] = await sql`SELECT count(*)::int AS n FROM hosts`;
    return row?.['n'] === count;
  });
}

/**
 * Waits until `count` hosts are registered and the scheduler ranks them all: its cached view of the hosts may be
 * as old as HOST_STATE_SERVE_STALE_MS, so a host started on a running stack is a choice only that much later.
 */
export async function waitForHostsScheduled(sql: Sql, count: number): Promise<void> {
  await waitForHosts(sql, count);
  await new Promise((resolve) => setTimeout(resolve, HOST_STATE_SERVE_STALE_MS));
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
