import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';

/**
 * NOVA_OTEL_EXPORTER=console: each finished span as one log line of the process (JSON, or pretty in a
 * terminal), so a trace can be followed without a collector and without breaking the JSON log stream.
 */
export class SpanLogExporter implements SpanExporter {
  constructor(private readonly log: Logger) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      this.log.info(
        {
          traceId,
          spanId,
          parentSpanId: span.parentSpanId,
          span: span.name,
          kind: span.kind,
          durationMs: hrTimeToMilliseconds(span.duration),
          status: span.status.code,
          attributes: span.attributes,
        },
        'span',
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
