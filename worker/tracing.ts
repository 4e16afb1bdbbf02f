import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config';
import { SpanLogExporter } from './span-log-exporter';

/** A process's tracer: registered globally, so the API's HTTP spans and the Temporal interceptors share it. */
export interface Tracing {
  resource: Resource;
  /** Also receives the spans workflows make inside their sandbox (through the worker's exporter sink). */
  spanProcessor: SpanProcessor;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  exporter: SpanExporter;
  /** Batch exports (collectors); tests and the log exporter send each span as it ends. */
  batch?: boolean;
  attributes?: Record<string, string>;
}

/**
 * Registers a tracer provider for the whole process: W3C trace-context propagation (HTTP `traceparent` in,
 * Temporal headers out) and an AsyncLocalStorage context, so a span started for a request is the parent of
 * whatever the request does.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const resource = new Resource({ 'service.name': opts.serviceName, ...opts.attributes });
  const spanProcessor = opts.batch ? new BatchSpanProcessor(opts.exporter) : new SimpleSpanProcessor(opts.exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    resource,
    spanProcessor,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Tracing as configured (NOVA_OTEL_EXPORTER); undefined when off, the default. */
export function tracingFromConfig(
  config: TracingConfig,
  defaultServiceName: string,
  log: Logger,
  attributes?: Record<string, string>,
): Tracing | undefined {
  if (config.exporter === 'none') return undefined;
  const serviceName = config.serviceName ?? defaultServiceName;
  const tracing =
    config.exporter === 'otlp'
      ? // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) and OTEL_EXPORTER_OTLP_HEADERS.
        startTracing({ serviceName, exporter: new OTLPTraceExporter(), batch: true, ...(attributes && { attributes }) })
      : startTracing({ serviceName, exporter: new SpanLogExporter(log), ...(attributes && { attributes }) });
  log.info({ exporter: config.exporter, serviceName }, 'tracing on');
  return tracing;
}

/** The API's Temporal client: workflow starts and updates carry the request's trace context to the workflow. */
export function tracingClientInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}
