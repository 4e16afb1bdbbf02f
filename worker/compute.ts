import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadComputeConfig, loadOperationSettings, loadTracingConfig } from '../config';
import { createComputeWorker, reportHostForever } from './compute-worker';
import { createLogger } from './logger';
import { installRuntime } from './runtime';
import { tracingFromConfig } from './tracing';

/** Variables that would let a compute process reach PostgreSQL: a compute host must never have them. */
const DATABASE_VARIABLES = ['DATABASE_URL', 'PGPASSWORD', 'PGUSER', 'PGHOST', 'PGDATABASE', 'PGPORT'];

/** nova-compute for one simulated host: its own task queue, a fake hypervisor, no database. */
async function main(): Promise<void> {
  const leaked = DATABASE_VARIABLES.filter((v) => process.env[v] !== undefined);
  if (leaked.length > 0) {
    throw new Error(`refusing to start: compute hosts must not receive database settings (${leaked.join(', ')})`);
  }
  const config = loadComputeConfig();
  const log = createLogger('compute').child({ host: config.host });
  installRuntime(log);
  const tracing = tracingFromConfig(loadTracingConfig(), 'nova-compute', log, { 'host.name': config.host });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createComputeWorker(connection, config, tracing);
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const stopReports = new AbortController();
  const reports = reportHostForever(client, config, loadOperationSettings(), stopReports.signal, (err) =>
    log.warn({ err }, 'host report failed'),
  );
  log.info(
    // The proxy's URL only: the shared secret is never logged.
    { taskQueue: worker.options.taskQueue, capacity: config.capacity, metadata: config.metadataProxy?.url ?? null },
    'compute host running',
  );
  await worker.run();
  stopReports.abort();
  await reports;
  await clientConnection.close();
  await connection.close();
  await tracing?.shutdown();
}

main().catch((err: unknown) => {
  createLogger('compute').fatal({ err }, 'compute worker failed');
  process.exit(1);
});
