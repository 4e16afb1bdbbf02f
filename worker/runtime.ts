import { Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { PinoSdkLogger } from './sdk-logger';

/**
 * Sends the Temporal SDK's own logs, and the workflows' and activities' `log` lines, through pino and, when
 * NOVA_SDK_METRICS_BIND is set (`127.0.0.1:9470`), serves the SDK's runtime metrics (task latencies, slots,
 * polls) for Prometheus there. Call once per process, before any connection.
 */
export function installRuntime(log: Logger): void {
  const sdkLevel = (process.env['TEMPORAL_LOG_LEVEL'] ?? 'WARN') as LogLevel;
  const metricsBind = process.env['NOVA_SDK_METRICS_BIND'];
  Runtime.install({
    logger: new PinoSdkLogger(log, sdkLevel),
    telemetryOptions: {
      // The Rust core's own lines come through pino too (instead of straight to stderr), from TEMPORAL_LOG_LEVEL up.
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: sdkLevel }) },
      ...(metricsBind ? { metrics: { prometheus: { bindAddress: metricsBind } } } : {}),
    },
  });
  if (metricsBind) log.info({ metrics: `http://${metricsBind}/metrics` }, 'Temporal SDK metrics served');
}
