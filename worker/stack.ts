import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { imageDirOf } from '../config';
import { Connection } from '@temporalio/client';
import { writeWorkflowBundle } from './infra/bundle';
import { prepareDatabase } from './infra/database';
import {
  SHUTDOWN_SIGNALS,
  startEmbeddedPostgres,
  takeOverShutdownSignals,
  type EmbeddedDatabase,
} from './infra/embedded-postgres';
import { waitFor } from './infra/ports';
import { spawnEntryPoint } from './infra/processes';
import {
  PROJECT_ROOT,
  ensureTemporalCli,
  startTemporalDevServer,
  stopChild,
  type DevServer,
} from './infra/temporal-server';
import { createLogger } from './logger';
import { registerSearchAttributes } from './search-attributes';

/**
 * `npm start`: the whole system on one machine. Embedded PostgreSQL and the Temporal dev server (unless
 * DATABASE_URL / TEMPORAL_ADDRESS point elsewhere), migrations and seed data, N conductor workers, one compute
 * worker per simulated host and the API, each its own process. Data lives under NOVA_DATA_DIR across restarts.
 */
const stackEnv = z.object({
  NOVA_DATA_DIR: z.string().default(path.join(PROJECT_ROOT, 'data')),
  NOVA_HOSTS: z.coerce.number().int().min(1).max(64).default(3),
  NOVA_CONDUCTORS: z.coerce.number().int().min(1).max(16).default(1),
  NOVA_PG_PORT: z.coerce.number().int().default(5433),
  TEMPORAL_PORT: z.coerce.number().int().default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  NOVA_API_PORT: z.coerce.number().int().default(8774),
  NOVA_METADATA_PORT: z.coerce.number().int().default(8775),
  NOVA_METRICS_BASE_PORT: z.coerce.number().int().default(9460),
});

const log = createLogger('stack');
const children = new Map<string, ChildProcess>();
let stopping = false;

function supervise(name: string, start: () => ChildProcess): void {
  const child = start();
  children.set(name, child);
  child.once('exit', (code, signal) => {
    children.delete(name);
    if (stopping) return;
    log.warn({ name, code, signal }, 'process exited; restarting in 1 s');
    setTimeout(() => !stopping && supervise(name, start), 1000);
  });
}

async function main(): Promise<void> {
  const env = stackEnv.parse(process.env);
  const dataDir = path.resolve(env.NOVA_DATA_DIR);
  let postgres: EmbeddedDatabase | undefined;
  let temporal: DevServer | undefined;

  const shutdown = async () => {
    // A second Ctrl-C does not wait for the first one's orderly stop.
    if (stopping) process.exit(1);
    stopping = true;
    log.info('stopping');
    await Promise.all([...children.values()].map((c) => stopChild(c)));
    await temporal?.stop();
    await postgres?.stop();
    process.exit(0);
  };
  await takeOverShutdownSignals();
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void shutdown());

  let databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    postgres = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port: env.NOVA_PG_PORT,
      persistent: true,
    });
    await postgres.createDatabase('nova');
    databaseUrl = postgres.url('nova');
  }
  let temporalAddress = process.env['TEMPORAL_ADDRESS'];
  if (!temporalAddress) {
    ensureTemporalCli();
    temporal = await startTemporalDevServer({
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFile: path.join(dataDir, 'temporal.db'),
    });
    temporalAddress = temporal.address;
  }
  await prepareDatabase(databaseUrl, imageDirOf({ ...process.env, NOVA_DATA_DIR: dataDir }));
  const connection = await Connection.connect({ address: temporalAddress });
  await registerSearchAttributes(connection, process.env['TEMPORAL_NAMESPACE'] ?? 'default');
  await connection.close();
  const bundle = await writeWorkflowBundle(path.join(dataDir, 'workflow-bundle.js'));

  const common: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: temporalAddress, NOVA_DATA_DIR: dataDir };
  // The metadata proxy's shared secret is made per run (unless given) and handed to the API and the hosts only,
  // never to the conductor, and never logged.
  const metadataUrl = `http://127.0.0.1:${env.NOVA_METADATA_PORT}`;
  const metadata = {
    NOVA_METADATA_SECRET: process.env['NOVA_METADATA_SECRET'] ?? randomBytes(32).toString('hex'),
    NOVA_METADATA_URL: metadataUrl,
    NOVA_METADATA_PORT: String(env.NOVA_METADATA_PORT),
  };
  delete common['NOVA_METADATA_SECRET'];
  // Prometheus endpoints: conductor i serves its own metrics on base + i and the SDK's on base + 10 + i;
  // host i's SDK metrics are on base + 20 + i.
  const metricsPort = (offset: number) => String(env.NOVA_METRICS_BASE_PORT + offset);
  for (let i = 1; i <= env.NOVA_CONDUCTORS; i++) {
    supervise(`conductor-${i}`, () =>
      spawnEntryPoint('conductor', {
        ...common,
        DATABASE_URL: databaseUrl,
        NOVA_WORKFLOW_BUNDLE: bundle,
        NOVA_METRICS_PORT: metricsPort(i),
        NOVA_SDK_METRICS_BIND: `127.0.0.1:${metricsPort(10 + i)}`,
      }),
    );
  }
  for (let i = 1; i <= env.NOVA_HOSTS; i++) {
    supervise(`compute-host-${i}`, () =>
      spawnEntryPoint('compute', {
        ...common,
        ...metadata,
        NOVA_COMPUTE_HOST: `host-${i}`,
        NOVA_SDK_METRICS_BIND: `127.0.0.1:${metricsPort(20 + i)}`,
      }),
    );
  }
  supervise('api', () => spawnEntryPoint('api', { ...common, ...metadata, DATABASE_URL: databaseUrl }));
  // "Up" is when the API answers: the first thing a user runs is a token request against it. An API that does not
  // answer is restarted by its supervisor; the servers already started keep running for it.
  const identity = `http://127.0.0.1:${env.NOVA_API_PORT}/identity/v3`;
  await waitFor(`the compute API (${identity})`, async () => (await fetch(identity)).ok, 120_000).catch(
    (err: unknown) => log.warn({ err }, 'the compute API does not answer yet: see its lines above'),
  );

  const ui = temporal ? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}` : (process.env['TEMPORAL_UI_URL'] ?? '(external)');
  log.info(
    {
      computeApi: `http://127.0.0.1:${env.NOVA_API_PORT}/v2.1`,
      metadata: metadataUrl,
      temporalUi: ui,
      temporal: temporalAddress,
      hosts: env.NOVA_HOSTS,
      conductors: env.NOVA_CONDUCTORS,
    },
    'nova-temporal is up; Ctrl-C stops everything',
  );
  process.stdout.write(
    `\n  Compute API : http://127.0.0.1:${env.NOVA_API_PORT}/v2.1\n  Metadata    : ${metadataUrl}\n` +
      `  Temporal UI : ${ui}\n` +
      `  Hosts       : host-1 .. host-${env.NOVA_HOSTS}\n  Data        : ${dataDir}\n\n`,
  );
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'start-up failed');
  process.exit(1);
});
