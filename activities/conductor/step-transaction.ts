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
} from './step-log';

/**
 * A local step whose effect is one transaction (ONE_TRANSACTION_STEPS). Its outcome is looked up and recorded
 * inside that transaction instead of around it: the lookup travels with the transaction's first statements and
 * the record with its commit, so the step costs two round trips to PostgreSQL instead of five (lookup, BEGIN,
 * statements, COMMIT, record), and the record commits with the step. On a second run of the workflow task the
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

/** A one-transaction step began another transaction while its own was open. */
export class StepContractError extends Error {
  constructor(activityType: string) {
    super(`${activityType} is a one-transaction step but began a second transaction inside its first`);
    this.name = 'StepContractError';
  }
}

/** The commit did not commit: a statement sent behind the body's failed, and PostgreSQL rolled back instead. */
export class RolledBackAtCommitError extends Error {
  constructor() {
    super('The step’s transaction rolled back at its commit');
    this.name = 'RolledBackAtCommitError';
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
        if (!scope || scope.transaction === 'committed' || typeof args[0] !== 'function') {
          return (target.begin as (...a: unknown[]) => unknown)(...args);
        }
        return loggedTransaction(target, log, scope, args[0] as Body<unknown>);
      };
    },
  });
}

async function loggedTransaction<T>(sql: Sql, log: StepLog, scope: StepScope, body: Body<T>): Promise<T> {
  if (scope.transaction === 'open') throw new StepContractError(scope.key.activityType);
  scope.transaction = 'open';
  const tx = (await sql.reserve()) as unknown as TransactionSql & { release(): void };
  try {
    // Sent together, in this order: the body's first statements go out behind BEGIN and the lookup.
    const begun = tx`BEGIN`.execute();
    const recall = recallStatement(tx, scope.key).execute();
    const result = body(tx);
    result.catch(() => undefined); // awaited below; this only keeps a failure before then from counting as unhandled
    const [, rows] = await Promise.all([begun, recall]);
    const recalled = recalledOutcome(scope.key, rows);
    if (recalled) {
      await result.catch(() => undefined);
      await tx`ROLLBACK`;
      Object.assign(scope, { recorded: true, recalled: true, transaction: 'committed' });
      return replayOutcome(recalled) as T;
    }
    const value = await result;
    const [, committed] = await Promise.all([
      recordStatement(tx, scope.key, { value }).execute(),
      tx`COMMIT`.execute(),
    ]);
    if (committed.command !== 'COMMIT') throw new RolledBackAtCommitError();
    Object.assign(scope, { recorded: true, transaction: 'committed' });
    log.counted();
    return value;
  } catch (err) {
    if (scope.transaction === 'open') {
      scope.transaction = 'none';
      await tx`ROLLBACK`.catch(() => undefined);
    }
    throw err;
  } finally {
    tx.release();
  }
}
