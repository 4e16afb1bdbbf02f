import { trace } from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { LOG_CONTEXT_HEADER, decodeLogContext, type LogContext } from '../domain/log-context';
import { instanceUuidOfWorkflowId } from '../domain/naming';

/**
 * Gives an activity's log lines (its `log` calls and the SDK's lines about it) the operation's request id and
 * instance id, which its workflow sends in a header, next to the SDK's workflowId, runId and activityType. The
 * SDK writes its "Activity started" line before any interceptor sees the headers: that line has the instance
 * (from the workflow ID) but not yet the request id. When tracing is on, the activity's span gets them too.
 */
export const activityLogContext: ActivityInterceptorsFactory = (ctx: Context) => {
  const workflowId = ctx.info.workflowExecution?.workflowId;
  const fromWorkflowId = workflowId === undefined ? undefined : instanceUuidOfWorkflowId(workflowId);
  let ids: LogContext = fromWorkflowId === undefined ? {} : { instanceUuid: fromWorkflowId };
  return {
    inbound: {
      execute(input, next) {
        ids = { ...ids, ...decodeLogContext(input.headers[LOG_CONTEXT_HEADER]) };
        trace.getActiveSpan()?.setAttributes({
          'temporal.task_queue': ctx.info.taskQueue,
          ...(ids.requestId === undefined ? {} : { 'openstack.request_id': ids.requestId }),
          ...(ids.instanceUuid === undefined ? {} : { 'nova.instance_uuid': ids.instanceUuid }),
        });
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next({ ...ids, ...input });
      },
    },
  };
};
