import {
  workflowInfo,
  type ActivityInput,
  type GetLogAttributesInput,
  type LocalActivityInput,
  type Next,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { LOG_CONTEXT_HEADER, encodeLogContext, type LogContext } from '../domain/log-context';
import { InstanceIdKey } from '../domain/search-attributes';

/**
 * Not a workflow: the workflow interceptors bundled with every workflow (see worker/workflow-interceptors.ts).
 * They only add headers and log attributes, never commands, so histories replay the same with or without them.
 */
function logContext(): LogContext {
  const info = workflowInfo();
  const requestId = info.memo?.['requestId'];
  const instanceUuid = info.typedSearchAttributes.get(InstanceIdKey);
  return {
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(instanceUuid === undefined ? {} : { instanceUuid }),
  };
}

function withLogContext<I extends { headers: ActivityInput['headers'] }>(input: I): I {
  return { ...input, headers: { ...input.headers, [LOG_CONTEXT_HEADER]: encodeLogContext(logContext()) } };
}

class LogContextOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    return next(withLogContext(input));
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    return next(withLogContext(input));
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>) {
    return next({ ...logContext(), ...input });
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new LogContextOutbound()] });
