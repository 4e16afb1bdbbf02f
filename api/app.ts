import express, { Router, type Express } from 'express';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { noAuthContextMiddleware, requestIdMiddleware } from './context';
import { createErrorHandler, notFoundHandler } from './errors';
import { microversionMiddleware } from './microversion';
import type { Operations } from './operations';
import { createFlavorsRouter } from './routes/flavors';
import { createImagesRouter } from './routes/images';
import { createServersReadRouter } from './routes/servers-read';
import { createServersWriteRouter } from './routes/servers-write';
import { createVersionsRouter } from './routes/versions';

export interface ApiDeps {
  sql: Sql;
  operations: Operations;
  log: Logger;
  maxLimit: number;
}

/** The compute API v2.1: thin routers over read-only queries and workflow starts. */
export function createApiApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(requestIdMiddleware);
  // Clients send JSON with or without a Content-Type (and `Accept: ''` on actions): parse any body as JSON.
  app.use(express.json({ limit: '1mb', type: () => true }));
  app.use(createVersionsRouter());

  const compute = Router({ mergeParams: true });
  compute.use(microversionMiddleware, noAuthContextMiddleware);
  compute.use(createServersWriteRouter(deps));
  compute.use(createServersReadRouter({ sql: deps.sql, maxLimit: deps.maxLimit }));
  compute.use(createFlavorsRouter({ sql: deps.sql }));
  compute.use(createImagesRouter({ sql: deps.sql }));
  app.use('/v2.1', compute);
  app.use('/v2.1/:project_id', compute);

  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.log));
  return app;
}
