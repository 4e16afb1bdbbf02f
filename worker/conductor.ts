import { NativeConnection } from '@temporalio/worker';
import { loadConductorConfig, loadTracingConfig } from '../config';
import { connectDatabase } from '../activities/conductor/db';
import { createConductorWorker } from './conductor-worker';
import { startImageSweeper } from './image-sweeper';
import { createLogger } from './logger';
import { registerSearchAttributes } from './search-attributes';
import { serveProcessMetrics } from './metrics-server';
import { installRuntime } from './runtime';
import { tracingFromConfig } from './tracing';
import { LocalImageStore } from '../storage/image-store';

/** nova-conductor: workflows, scheduler and the only writer of instance state. Run as many as you like. */
async function main(): Promise<void> {
  const config = loadConductorConfig();
  const log = createLogger('conductor');
  installRuntime(log);
  const tracing = tracingFromConfig(loadTracingConfig(), 'nova-conductor', log);
  const metrics = serveProcessMetrics(log);
  const sql = connectDatabase(config.databaseUrl, config.concurrency);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  await registerSearchAttributes(connection, config.temporal.namespace);
  const worker = await createConductorWorker({
    connection,
    sql,
    config,
    workflowBundlePath: process.env['NOVA_WORKFLOW_BUNDLE'],
    tracing,
  });
  log.info({ taskQueue: worker.options.taskQueue }, 'conductor worker running');
  const stopSweeper = config.imageSweep
    ? startImageSweeper(sql, new LocalImageStore(config.imageDir), log)
    : async () => undefined;
  await worker.run();
  await stopSweeper();
  metrics?.close();
  await connection.close();
  await sql.end();
  await tracing?.shutdown();
}

main().catch((err: unknown) => {
  createLogger('conductor').fatal({ err }, 'conductor worker failed');
  process.exit(1);
});
