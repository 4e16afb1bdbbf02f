import { asyncLocalStorage as activityContext, type Context } from '@temporalio/activity';
import type { TransactionSql } from 'postgres';
import type { Sql } from './db';
import {
  recallStatement,
  recalledOutcome,
  recordStatement,
  replayOutcome,
  type StepKey,
  type StepLog,
  type StepOutcome,
} from './step-log';

/**
 * A local step whose effect is one transaction (ONE_TRANSACTION_STEPS). Its outcome is looked up and recorded
 * inside that transaction instead of around it: the lookup travels with BEGIN and the transaction's first
 * statements (the pool pipelines a plain BEGIN, patches/postgres+3.4.9.patch) and the record with its commit, so
 * the step costs two round trips to PostgreSQL instead of five (BEGIN, lookup and statements; record and COMMIT),
 * and the record commits with the step. The transaction is the pool's own `begin`, which copes with a connection
 * PostgreSQL closes under it. On a second run of the workflow task the
 * transaction finds the record, rolls its statements back and hands the step the first run's result (or throws
 * its failure), and the step goes on from there: what it does after its commit (release image bytes) runs
 * again, so that must be safe to repeat.
 */
export interface StepScope {
  readonly key: StepKey;
  /** The step's outcome is in the log: its transaction recorded it, or found it recorded by a first run. */
  recorded: boolean;
  /** The step's first run had recorded the outcome: this run returned (or threw) that instead. */
  recalled: boolean;
  transaction: 'none' | 'open' | 'committed';
}

/** Scopes by the activity they belong to: the activity's own async context carries them, no storage of ours. */
const scopes = new WeakMap<Context, StepScope>();

/** Runs a one-transaction step (the step-log interceptor does, for the activity of `ctx`) in its scope. */
export function inStepScope<T>(ctx: Context, scope: StepScope, run: () => Promise<T>): Promise<T> {
  scopes.set(ctx, scope);
  return run().finally(() => scopes.delete(ctx));
}

function currentScope(): StepScope | undefined {
  const ctx = activityContext.getStore();
  return ctx && scopes.get(ctx);
}

/** A one-transaction step broke its contract: a transaction inside its own, or none at all. */
export class StepContractError extends Error {
  constructor(activityType: string, what: string) {
    super(`${activityType} is a one-transaction step but ${what}`);
    this.name = 'StepContractError';
  }
}

type Body<T> = (tx: TransactionSql) => Promise<T>;

/**
 * The conductor's pool, whose `begin` logs the step when a one-transaction step runs it (inStepScope); anywhere
 * else (queued activities, the API's reads, tests) it is the pool's own.
 */
export function stepAwareSql(sql: Sql, log: StepLog): Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop !== 'begin') return Reflect.get(target, prop, receiver) as unknown;
      return (...args: unknown[]) => {
        const scope = currentScope();
        // After the step's transaction committed: its clean-up, an ordinary transaction.
        if (!scope || scope.transaction === 'committed') {
          return (target.begin as (...a: unknown[]) => unknown)(...args);
        }
        // begin(fn) or begin(options, fn), as the pool's own.
        const options = args.length > 1 ? String(args[0]) : '';
        return loggedTransaction(target, log, scope, options, args[args.length - 1] as Body<unknown>);
      };
    },
  });
}

/** Thrown inside the transaction when the step ran before: `begin` rolls the statements back. */
const RAN_BEFORE = Symbol('ran before');

async function loggedTransaction<T>(
  sql: Sql,
  log: StepLog,
  scope: StepScope,
  options: string,
  body: Body<T>,
): Promise<T> {
  if (scope.transaction === 'open') {
    throw new StepContractError(scope.key.activityType, 'began a second transaction inside its first');
  }
  scope.transaction = 'open';
  let recalled: StepOutcome | undefined;
  let recording: Promise<unknown> | undefined;
  try {
    const value = await sql.begin(options, async (tx) => {
      // The lookup goes out with the body's first statements. The body settles before anything is decided, so
      // none of its statements follows the ROLLBACK.
      const [recall, outcome] = await Promise.allSettled([recallStatement(tx, scope.key).execute(), body(tx)]);
      if (recall.status === 'rejected') throw recall.reason;
      recalled = recalledOutcome(scope.key, recall.value);
      if (recalled) throw RAN_BEFORE;
      if (outcome.status === 'rejected') throw outcome.reason;
      // Sent now, so it goes out with begin's COMMIT; if it fails, PostgreSQL rolls back at that COMMIT.
      recording = recordStatement(tx, scope.key, { value: outcome.value }).execute();
      recording.catch(() => undefined);
      return outcome.value;
    });
    await recording;
    Object.assign(scope, { recorded: true, transaction: 'committed' });
    log.counted();
    return value as T;
  } catch (err) {
    scope.transaction = 'none';
    if (err === RAN_BEFORE && recalled) return ranBefore(scope, recalled);
    // Another run of the same step recorded first (an overlapping attempt): this one's statements rolled back
    // with its record, and the step returns what that run did.
    if (isUniqueViolation(err)) {
      const first = recalledOutcome(scope.key, await recallStatement(sql, scope.key));
      if (first) return ranBefore(scope, first);
    }
    throw err;
  }
}

/** The step ran before: its statements are undone, and the first run's outcome is the step's. */
function ranBefore(scope: StepScope, outcome: StepOutcome): never {
  Object.assign(scope, { recorded: true, recalled: true, transaction: 'committed' });
  return replayOutcome(outcome) as never;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}
