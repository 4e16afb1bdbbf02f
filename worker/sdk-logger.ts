import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from 'pino';
import { instanceUuidOfWorkflowId } from '../domain/naming';

const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal SDK's logger, writing through pino. Lines about an operation (they carry a workflowId: workflow
 * `log` calls, activity `Context.log`, the debug lines of activities and workflows starting and ending) follow
 * the process's LOG_LEVEL like every other line; the SDK's own internals (core, pollers, worker state, its
 * trace-level task plumbing) only from `sdkLevel` (TEMPORAL_LOG_LEVEL) up, so they do not drown the operations.
 */
export class PinoSdkLogger implements SdkLogger {
  constructor(
    private readonly pino: Logger,
    private readonly sdkLevel: LogLevel = 'WARN',
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const operation = meta['workflowId'] !== undefined && level !== 'TRACE';
    if (!operation && RANK[level] < RANK[this.sdkLevel]) return;
    this.pino[PINO_LEVEL[level]](normalise(meta), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * One spelling of the ids on every line (`runId`, as workflows name it, not the activity's `workflowRunId`),
 * the instance of an instance's workflow even on lines the SDK writes before our interceptors add it, errors
 * under pino's `err` so they are serialised with their stack, and no task token: it would let whoever reads
 * the logs complete the activity.
 */
function normalise(meta: LogMetadata): Record<string, unknown> {
  const { workflowRunId, taskToken: _taskToken, error, ...rest } = meta as Record<string, unknown>;
  const instanceUuid =
    typeof rest['workflowId'] === 'string' ? instanceUuidOfWorkflowId(rest['workflowId']) : undefined;
  return {
    ...(instanceUuid === undefined ? {} : { instanceUuid }),
    ...rest,
    ...(workflowRunId === undefined ? {} : { runId: workflowRunId }),
    ...(error === undefined ? {} : { err: error }),
  };
}
