import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { activityLogContext } from './activity-context';
import type { Tracing } from './tracing';

/**
 * The workflow interceptors compiled into every workflow bundle: the operation's ids for log lines and
 * activity headers, and OpenTelemetry spans (exported through the `exporter` sink, a no-op when tracing is
 * off). Both only add headers, never commands: histories replay the same with or without them.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('../workflows/log-context'),
  require.resolve('../workflows/tracing'),
];

/** Activity interceptors for every worker: the ids on log lines and, with tracing, one span per activity. */
export function activityInterceptors(tracing: Tracing | undefined): ActivityInterceptorsFactory[] {
  // The span interceptor is the outer one, so the log-context interceptor can label the span it opened.
  const spans: ActivityInterceptorsFactory = (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });
  return tracing ? [spans, activityLogContext] : [activityLogContext];
}

/**
 * Sinks the bundled workflow interceptors call. Without tracing the spans workflows make are dropped here;
 * the sink must exist all the same, or the worker logs every call as one to an unregistered sink.
 */
export function workflowSinks(tracing: Tracing | undefined): InjectedSinks<OpenTelemetrySinks> {
  if (tracing) return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
  return { exporter: { export: { fn: () => undefined } } };
}
