import { Client, Connection } from '@temporalio/client';
import { loadApiConfig } from '../config';
import { connectDatabase } from '../activities/conductor/db';
import { createApiApp } from '../api/app';
import { Operations } from '../api/operations';
import { LocalImageStore } from '../storage/image-store';
import { createLogger } from './logger';
import { onShutdown } from './shutdown';

/** nova-api: the HTTP API process. */
async function main(): Promise<void> {
  const config = loadApiConfig();
  const log = createLogger('api');
  const sql = connectDatabase(config.databaseUrl, 10);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApiApp({
    sql,
    operations: new Operations(client, config.operations),
    log,
    maxLimit: config.maxLimit,
    auth: config.auth,
    temporalUiUrl: config.temporalUiUrl,
    namespace: config.temporal.namespace,
    images: new LocalImageStore(config.imageDir),
    serviceDownTimeMs: config.serviceDownTimeMs,
  });
  const server = app.listen(config.port, config.bindAddress, () =>
    log.info({ port: config.port, bind: config.bindAddress, auth: config.auth.strategy }, 'compute API listening'),
  );
  onShutdown(log, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.close();
    await sql.end();
  });
}

main().catch((err: unknown) => {
  createLogger('api').fatal({ err }, 'API failed to start');
  process.exit(1);
});
