import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

/**
 * Sends the Temporal SDK's own logs through pino and, when NOVA_SDK_METRICS_BIND is set (`127.0.0.1:9470`),
 * serves the SDK's runtime metrics (task latencies, slots, polls) for Prometheus there. Call once per process,
 * before any connection.
 */
export function installRuntime(log: Logger): void {
  const level = (process.env['TEMPORAL_LOG_LEVEL'] ?? 'WARN') as LogLevel;
  const metricsBind = process.env['NOVA_SDK_METRICS_BIND'];
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...entry.meta, sdk: true };
      if (entry.level === 'ERROR') log.error(fields, entry.message);
      else if (entry.level === 'WARN') log.warn(fields, entry.message);
      else log.debug(fields, entry.message);
    }),
    ...(metricsBind ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBind } } } } : {}),
  });
  if (metricsBind) log.info({ metrics: `http://${metricsBind}/metrics` }, 'Temporal SDK metrics served');
}
