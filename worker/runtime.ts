import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

/** Sends the Temporal SDK's own logs through pino. Call once per process, before any connection. */
export function installRuntime(log: Logger): void {
  const level = (process.env['TEMPORAL_LOG_LEVEL'] ?? 'WARN') as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...entry.meta, sdk: true };
      if (entry.level === 'ERROR') log.error(fields, entry.message);
      else if (entry.level === 'WARN') log.warn(fields, entry.message);
      else log.debug(fields, entry.message);
    }),
  });
}
