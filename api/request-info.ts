import type { Request, Response } from 'express';

const SERVER_PATH = /\/servers\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[/?]|$)/i;

/**
 * The route pattern that answered (`/v2.1/servers/:id/action`), never the raw path: ids would make one metric
 * series (or span name) per server. Requests no route matched are `unmatched`.
 */
export function routeOf(req: Request): string {
  return req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : 'unmatched';
}

/**
 * The instance a request acts on, where known: the server in its path, or the one a create made (its
 * `Location`). Read once the response is written.
 */
export function instanceUuidOf(req: Request, res: Response): string | undefined {
  const location = res.getHeader('location');
  return (
    SERVER_PATH.exec(req.originalUrl)?.[1] ??
    (typeof location === 'string' ? SERVER_PATH.exec(location)?.[1] : undefined)
  );
}
