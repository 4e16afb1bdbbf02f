import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { instanceUuidOf, routeOf } from './request-info';

const tracer = trace.getTracer('nova-api');

/**
 * The HTTP server span of each request (a no-op unless the process registered a tracer, worker/tracing.ts).
 * A caller's `traceparent` makes it a child of the caller's trace. Everything the request does runs in its
 * context, so the Temporal client interceptor makes the workflow start its child and sends the trace on to
 * the workflow and its activities.
 */
export const httpTracingMiddleware: RequestHandler = (req, res, next) => {
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    req.method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
    parent,
  );
  if (!span.isRecording()) {
    next();
    return;
  }
  const active = trace.setSpan(parent, span);
  res.once('finish', () => {
    const route = routeOf(req);
    const instanceUuid = instanceUuidOf(req, res);
    span.updateName(`${req.method} ${route}`);
    span.setAttributes({
      'http.route': route,
      'http.response.status_code': res.statusCode,
      'openstack.request_id': String(res.locals['requestId']),
      ...(instanceUuid && { 'nova.instance_uuid': instanceUuid }),
    });
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  // Body parsing resumes from stream events, outside this call: bind them to the request's context as well.
  context.bind(active, req);
  context.bind(active, res);
  context.with(active, next);
};
