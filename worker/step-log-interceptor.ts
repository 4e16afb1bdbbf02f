import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { RecordedFailure, StepKey, StepLog, StepOutcome } from '../activities/conductor/step-log';
import { FaultType } from '../domain/faults';

const BUSINESS_FAILURES: ReadonlySet<string> = new Set(Object.values(FaultType));

/**
 * Makes the conductor's local steps safe to run twice. A conductor killed before its workflow task completes
 * leaves no trace of the task's local activities in the history, and the next conductor runs them all again, in
 * order, after the later ones committed: a compare-and-set would then find the task_state past it, an
 * admission the instance as its later steps left it. So each local step's outcome is recorded (activities/
 * conductor/step-log.ts) before the workflow sees it, and a second run returns the recorded one without running
 * the step. Queued activities need none of this: Temporal never runs one again once its successor was scheduled.
 */
export function stepLogInterceptor(log: StepLog): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        if (!info.isLocal || !info.workflowExecution) return next(input);
        const key: StepKey = {
          runId: info.workflowExecution.runId,
          activityId: info.activityId,
          activityType: info.activityType,
        };
        const recalled = await log.recall(key);
        if (recalled) {
          ctx.log.info('Local step ran before in this workflow task; returning its recorded outcome');
          return replay(recalled);
        }
        let value: unknown;
        try {
          value = await next(input);
        } catch (err) {
          const failure = finalFailure(err);
          if (failure) await log.record(key, { failure });
          throw err;
        }
        await log.record(key, { value });
        return value;
      },
    },
  });
}

function replay(outcome: StepOutcome): unknown {
  if (!('failure' in outcome)) return outcome.value;
  const { type, message, details } = outcome.failure;
  throw ApplicationFailure.create({ type, message, details, nonRetryable: true });
}

/** A failure that ends the step for good (the workflows' retry policy stops on business types). */
function finalFailure(err: unknown): RecordedFailure | undefined {
  if (!(err instanceof ApplicationFailure)) return undefined;
  const type = err.type ?? 'Error';
  if (!err.nonRetryable && !BUSINESS_FAILURES.has(type)) return undefined;
  return { type, message: err.message, details: err.details ? [...err.details] : [] };
}
