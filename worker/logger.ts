import pino, { type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; `component` says which process wrote the line. */
export function createLogger(component: string, level = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { component, pid: process.pid } });
}
