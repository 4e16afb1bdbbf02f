import { Client, Connection } from '@temporalio/client';
import { API_STATEMENT_TIMEOUT_MS, loadApiConfig, loadMetadataConfig, loadTracingConfig } from '../config';
import { connectDatabase } from '../activities/conductor/db';
import { createApiApp } from '../api/app';
import { createMetadataApp } from '../api/metadata/app';
import { passwordPoster } from '../api/metadata/password';
import { Operations } from '../api/operations';
import { loadPolicy } from '../api/policy/file';
import { LocalImageStore } from '../storage/image-store';
import { createLogger } from './logger';
import { onShutdown } from './shutdown';
import { tracingClientInterceptors, tracingFromConfig } from './tracing';

/** nova-api: the HTTP API process, with the metadata service (nova-api-metadata) on its own port. */
async function main(): Promise<void> {
  const config = loadApiConfig();
  // Refuses to start without NOVA_METADATA_SECRET: the metadata service could not tell who is asking.
  const metadataConfig = loadMetadataConfig();
  const log = createLogger('api');
  const sql = connectDatabase(config.databaseUrl, 10, { statementTimeoutMs: API_STATEMENT_TIMEOUT_MS });
  const tracing = tracingFromConfig(loadTracingConfig(), 'nova-api', log);
  const connection = await Connection.connect({ address: config.temporal.address });
  const interceptors = tracingClientInterceptors(tracing);
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    ...(interceptors && { interceptors }),
  });
  const operations = new Operations(client, config.operations);
  const app = createApiApp({
    sql,
    operations,
    log,
    maxLimit: config.maxLimit,
    auth: config.auth,
    temporalUiUrl: config.temporalUiUrl,
    namespace: config.temporal.namespace,
    images: new LocalImageStore(config.imageDir),
    imageMaxBytes: config.imageMaxBytes,
    serviceDownTimeMs: config.serviceDownTimeMs,
    idempotencyKeyTtlMs: config.idempotencyKeyTtlMs,
    // A broken override file stops the start: an operator's restriction must not silently fall back.
    policy: loadPolicy(config.policyFile),
    guestSecret: metadataConfig.secret,
  });
  const server = app.listen(config.port, config.bindAddress, () =>
    log.info({ port: config.port, bind: config.bindAddress, auth: config.auth.strategy }, 'compute API listening'),
  );
  const metadata = createMetadataApp({
    sql,
    log: log.child({ service: 'metadata' }),
    secret: metadataConfig.secret,
    cacheExpirationMs: metadataConfig.cacheExpirationMs,
    dhcpDomain: metadataConfig.dhcpDomain,
    postPassword: passwordPoster(operations),
  });
  const metadataServer = metadata.listen(metadataConfig.port, metadataConfig.bindAddress, () =>
    log.info({ port: metadataConfig.port, bind: metadataConfig.bindAddress }, 'metadata service listening'),
  );
  onShutdown(log, async () => {
    await new Promise<void>((resolve) => metadataServer.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.close();
    await sql.end();
    await tracing?.shutdown();
  });
}

main().catch((err: unknown) => {
  createLogger('api').fatal({ err }, 'API failed to start');
  process.exit(1);
});
