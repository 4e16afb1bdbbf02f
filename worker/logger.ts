import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/** Field names whose values are secrets wherever they appear (up to three levels deep). */
const SECRET_FIELDS = [
  'adminPass',
  'password',
  'secret',
  'token',
  'DATABASE_URL',
  'databaseUrl',
  'NOVA_METADATA_SECRET',
  'PGPASSWORD',
];
/** Request and response headers that carry credentials (Keystone tokens, the metadata proxy's signature). */
const SECRET_HEADERS = ['x-auth-token', 'x-subject-token', 'authorization', 'cookie', 'x-instance-id-signature'];

/** pino `redact` paths: a secret that reaches a log call as a field is written as `[Redacted]`. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  ...SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
];

export interface LoggerSettings {
  level?: string;
  /** Where lines go (tests capture them); stdout otherwise. */
  destination?: DestinationStream;
  /** Human-readable lines instead of JSON; by default when stdout is a terminal or LOG_PRETTY=1. */
  pretty?: boolean;
}

export function loggerOptions(component: string, level: string): LoggerOptions {
  return { level, base: { component, pid: process.pid }, redact: { paths: REDACT_PATHS } };
}

function prettyByDefault(): boolean {
  const setting = process.env['LOG_PRETTY'];
  if (setting !== undefined && setting !== '') return setting === '1' || setting === 'true';
  return process.stdout.isTTY === true;
}

/**
 * One logger per process; `component` says which process wrote the line. JSON lines (for log shippers) unless
 * stdout is a terminal or LOG_PRETTY=1, then pino-pretty renders them, synchronously so a fatal line before
 * `process.exit` is not lost.
 */
export function createLogger(component: string, settings: LoggerSettings = {}): Logger {
  const options = loggerOptions(component, settings.level ?? process.env['LOG_LEVEL'] ?? 'info');
  const destination = settings.destination ?? pino.destination(1);
  if (!(settings.pretty ?? (settings.destination === undefined && prettyByDefault())))
    return pino(options, destination);
  return pino(
    options,
    pinoPretty({
      sync: true,
      destination,
      translateTime: 'SYS:HH:MM:ss.l',
      messageFormat: '{component}: {msg}',
      ignore: 'pid,hostname,component',
      singleLine: true,
    }),
  );
}
