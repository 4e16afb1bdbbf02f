import { trace } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { instanceUuidOf, routeOf } from './request-info';

/**
 * One line per request once it is answered, like nova-api's `"POST /v2.1/servers" status: 202 ... time:`:
 * the request id (x-openstack-request-id), the instance where known, the caller, status and time, and the
 * trace id when tracing is on. Handlers and error translators log through `requestLog(res)`, whose lines
 * carry the request id too. Bodies and headers are never logged: they hold passwords and tokens.
 */
export function requestLogMiddleware(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = res.locals['requestId'] as string;
    const traceId = trace.getActiveSpan()?.spanContext().traceId;
    const instanceInPath = instanceUuidOf(req, res);
    res.locals['log'] = log.child({ requestId, ...(instanceInPath && { instanceUuid: instanceInPath }) });
    res.once('finish', () => {
      const ctx = res.locals['context'] as { userId: string; projectId: string } | undefined;
      const instanceUuid = instanceUuidOf(req, res);
      const line = {
        requestId,
        ...(instanceUuid && { instanceUuid }),
        ...(traceId && { traceId }),
        ...(ctx && { userId: ctx.userId, projectId: ctx.projectId }),
        method: req.method,
        url: req.originalUrl,
        route: routeOf(req),
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      };
      const message = `${req.method} ${req.originalUrl} ${res.statusCode}`;
      // Prometheus scrapes every few seconds: those lines only at debug.
      if (req.path === '/metrics') log.debug(line, message);
      else if (res.statusCode >= 500) log.error(line, message);
      else log.info(line, message);
    });
    next();
  };
}

/** The request's logger (its lines carry the request id), or `fallback` outside the API's middleware. */
export function requestLog(res: Response, fallback: Logger): Logger {
  return (res.locals['log'] as Logger | undefined) ?? fallback;
}
