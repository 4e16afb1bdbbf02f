import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { replayOutcome, type RecordedFailure, type StepKey, type StepLog } from '../activities/conductor/step-log';
import { StepContractError, inStepScope, type StepScope } from '../activities/conductor/step-transaction';
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
export function stepLogInterceptor(
  log: StepLog,
  oneTransactionSteps: ReadonlySet<string> = new Set(),
): ActivityInterceptorsFactory {
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
        const recalledStep = () =>
          ctx.log.info('Local step ran before in this workflow task; returning its recorded outcome');
        if (oneTransactionSteps.has(key.activityType)) {
          return inItsTransaction(log, ctx, key, () => next(input), recalledStep);
        }
        const recalled = await log.recall(key);
        if (recalled) {
          recalledStep();
          return replayOutcome(recalled);
        }
        let value: unknown;
        try {
          value = await next(input);
        } catch (err) {
          await recordFailure(log, key, err);
          throw err;
        }
        await log.record(key, { value });
        return value;
      },
    },
  });
}

/**
 * A one-transaction step (activities/conductor/step-transaction.ts): its transaction looks the outcome up and
 * records it, so nothing is looked up here. A step that failed before its transaction recorded anything has its
 * failure recorded here; one that returned without its transaction broke the contract (nothing would look its
 * outcome up on a second run).
 */
async function inItsTransaction(
  log: StepLog,
  ctx: Context,
  key: StepKey,
  run: () => Promise<unknown>,
  recalledStep: () => void,
): Promise<unknown> {
  const scope: StepScope = { key, recorded: false, recalled: false, transaction: 'none' };
  try {
    const value = await inStepScope(ctx, scope, run);
    if (!scope.recorded) throw new StepContractError(key.activityType, 'returned without its transaction');
    return value;
  } catch (err) {
    if (err instanceof StepContractError) throw contractBroken(err);
    if (!scope.recorded) await recordFailure(log, key, err);
    throw err;
  } finally {
    if (scope.recalled) recalledStep();
  }
}

/** A programming error: retrying cannot help. */
function contractBroken(err: StepContractError): ApplicationFailure {
  return ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, cause: err });
}

async function recordFailure(log: StepLog, key: StepKey, err: unknown): Promise<void> {
  const failure = finalFailure(err);
  if (failure) await log.record(key, { failure });
}

/** A failure that ends the step for good (the workflows' retry policy stops on business types). */
function finalFailure(err: unknown): RecordedFailure | undefined {
  if (!(err instanceof ApplicationFailure)) return undefined;
  const type = err.type ?? 'Error';
  if (!err.nonRetryable && !BUSINESS_FAILURES.has(type)) return undefined;
  return { type, message: err.message, details: err.details ? [...err.details] : [] };
}
