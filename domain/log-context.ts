import { defaultPayloadConverter, type Payload } from '@temporalio/common';

/**
 * The ids an operation's log lines carry beyond Temporal's own (workflowId, runId): the API request that
 * started it and the instance it acts on. Workflows send them to every activity they schedule in this
 * header, so activity lines on any host carry them too.
 */
export const LOG_CONTEXT_HEADER = 'nova-log-context';

export interface LogContext {
  requestId?: string;
  instanceUuid?: string;
}

export function encodeLogContext(ctx: LogContext): Payload {
  return defaultPayloadConverter.toPayload(ctx);
}

/** The header's ids; nothing when the header is missing or not what a workflow of ours would send. */
export function decodeLogContext(payload: Payload | undefined): LogContext {
  if (!payload) return {};
  let value: unknown;
  try {
    value = defaultPayloadConverter.fromPayload(payload);
  } catch {
    return {};
  }
  if (value === null || typeof value !== 'object') return {};
  const { requestId, instanceUuid } = value as Record<string, unknown>;
  return {
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof instanceUuid === 'string' ? { instanceUuid } : {}),
  };
}
