import express, { Router, type Express } from 'express';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import type { AuthConfig } from '../config';
import { createKeystoneContextMiddleware, createNoAuthContextMiddleware, requestIdMiddleware } from './context';
import { createErrorHandler, notFoundHandler } from './errors';
import { createIdempotencyMiddleware } from './idempotency/middleware';
import { createIdentityRouter } from './identity/router';
import { createImageRouter } from './image/router';
import { addMetricsRoute, httpMetricsMiddleware } from './metrics';
import { requestLogMiddleware } from './request-log';
import { httpTracingMiddleware } from './tracing';
import { microversionMiddleware } from './microversion';
import { rejectUnstorableInput } from './input-guard';
import { createOpenApiRouter } from './openapi/router';
import type { Operations } from './operations';
import { DEFAULT_POLICY, type Policy } from './policy/enforce';
import type { ImageStore } from '../storage/image-store';
import { createAllocationAuditRouter } from './routes/allocation-audit';
import { createAvailabilityZonesRouter } from './routes/availability-zones';
import { createFlavorAccessRouter } from './routes/flavor-access';
import { createFlavorExtraSpecsRouter } from './routes/flavor-extra-specs';
import { createFlavorManageRouter } from './routes/flavor-manage';
import { createFlavorsRouter } from './routes/flavors';
import { createHypervisorsRouter } from './routes/hypervisors';
import { createImagesRouter } from './routes/images';
import { createInstanceActionsRouter } from './routes/instance-actions';
import { createKeyPairsRouter } from './routes/keypairs';
import { createLimitsRouter } from './routes/limits';
import { createQuotaSetsRouter } from './routes/quota-sets';
import { createMigrationsRouter } from './routes/migrations';
import { createServerUpdateRouter } from './routes/server-update';
import { createServerMetadataRouter } from './routes/server-metadata';
import { createServerMigrationsRouter } from './routes/server-migrations';
import { createServerPasswordRouter } from './routes/server-password';
import { createServersReadRouter } from './routes/servers-read';
import { createServersWriteRouter } from './routes/servers-write';
import { createServicesRouter } from './routes/services';
import { createVersionsRouter } from './routes/versions';

export interface ApiDeps {
  sql: Sql;
  operations: Operations;
  log: Logger;
  maxLimit: number;
  /** The Temporal Web UI's base URL: instance actions then link to their workflow runs. */
  temporalUiUrl?: string;
  /** The Temporal namespace of the workflows (`default` when not given). */
  namespace?: string;
  /**
   * How callers authenticate. Processes pass the configured strategy (keystone unless NOVA_AUTH_STRATEGY says
   * otherwise); in-process harnesses that omit it get noauth2.
   */
  auth?: AuthConfig;
  /** Nova's service_down_time for service, hypervisor and zone states and evacuate (60 s when not given). */
  serviceDownTimeMs?: number;
  /** Image bytes, for the image service's uploads and downloads. */
  images: ImageStore;
  /** The image service's upload cap (NOVA_IMAGE_MAX_BYTES); 1 GiB when not given. */
  imageMaxBytes?: number;
  /** How long an Idempotency-Key is remembered (NOVA_IDEMPOTENCY_KEY_TTL_S); 24 h when not given. */
  idempotencyKeyTtlMs?: number;
  /** Policy rules with the operator's overrides (NOVA_POLICY_FILE); Nova's defaults when not given. */
  policy?: Policy;
  /**
   * The secret shared with the compute hosts (NOVA_METADATA_SECRET), which seals admin passwords for them
   * (changePassword); without it changePassword is Nova's 501.
   */
  guestSecret?: string | undefined;
}

const DEFAULT_IMAGE_MAX_BYTES = 1024 ** 3;
const DEFAULT_IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

/** The compute API v2.1 (thin routers over read-only queries and workflow starts), identity and image. */
export function createApiApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // Nova sends no ETag, and hashing every body cost a thousand-server page a millisecond or more.
  app.set('etag', false);
  app.use(httpTracingMiddleware, requestIdMiddleware, requestLogMiddleware(deps.log), httpMetricsMiddleware);
  const auth = deps.auth ?? { strategy: 'noauth2', tokenLifetimeMs: 3_600_000 };
  // The image service comes before the JSON parser: image data streams through untouched, and it parses its
  // own JSON bodies (json-patch included).
  app.use(
    '/image',
    createImageRouter({
      sql: deps.sql,
      log: deps.log,
      images: deps.images,
      auth,
      maxUploadBytes: deps.imageMaxBytes ?? DEFAULT_IMAGE_MAX_BYTES,
    }),
  );
  app.use('/identity', createIdentityRouter({ sql: deps.sql, log: deps.log, tokenLifetimeMs: auth.tokenLifetimeMs }));
  // Clients send JSON with or without a Content-Type (and `Accept: ''` on actions): parse any body as JSON.
  app.use(express.json({ limit: '1mb', type: () => true }));
  app.use(createVersionsRouter());
  app.use(createOpenApiRouter());
  // Prometheus scrapes without a token, as it does every exporter; put the API behind a proxy to restrict it.
  const metrics = Router();
  addMetricsRoute(metrics, deps);
  app.use(metrics);

  const compute = createComputeRouter(deps, auth);
  app.use('/v2.1', compute);
  app.use('/v2.1/:project_id', compute);

  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.log));
  return app;
}

/** Every /v2.1 route behind the caller's authentication, microversion negotiation and policy. */
export function createComputeRouter(deps: ApiDeps, auth: AuthConfig): Router {
  const compute = Router({ mergeParams: true });
  const policy = deps.policy ?? DEFAULT_POLICY;
  const authenticate =
    auth.strategy === 'keystone'
      ? createKeystoneContextMiddleware(deps.sql, policy)
      : createNoAuthContextMiddleware(policy);
  compute.use(microversionMiddleware, authenticate, rejectUnstorableInput);
  // The POSTs that start operations honour Idempotency-Key.
  compute.post(
    ['/servers', '/servers/:id/action'],
    createIdempotencyMiddleware({
      sql: deps.sql,
      log: deps.log,
      ttlMs: deps.idempotencyKeyTtlMs ?? DEFAULT_IDEMPOTENCY_KEY_TTL_MS,
      fingerprintKey: deps.guestSecret,
    }),
  );
  compute.use(createServersWriteRouter(deps));
  compute.use(createServersReadRouter({ sql: deps.sql, maxLimit: deps.maxLimit }));
  compute.use(createServerUpdateRouter(deps));
  compute.use(createServerMetadataRouter(deps));
  compute.use(createServerPasswordRouter(deps));
  compute.use(createFlavorsRouter({ sql: deps.sql }));
  compute.use(createFlavorManageRouter(deps));
  compute.use(createFlavorExtraSpecsRouter(deps));
  compute.use(createFlavorAccessRouter(deps));
  compute.use(createImagesRouter({ sql: deps.sql }));
  compute.use(createInstanceActionsRouter({ ...deps, namespace: deps.namespace ?? 'default' }));
  compute.use(createHypervisorsRouter(deps));
  compute.use(createServicesRouter(deps));
  compute.use(createAvailabilityZonesRouter(deps));
  compute.use(createLimitsRouter(deps));
  compute.use(createKeyPairsRouter(deps));
  compute.use(createQuotaSetsRouter(deps));
  compute.use(createAllocationAuditRouter(deps));
  compute.use(createMigrationsRouter(deps));
  compute.use(createServerMigrationsRouter(deps));
  return compute;
}
