import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionSql } from 'postgres';
import type { Sql } from './db';
import {
  recallStatement,
  recalledOutcome,
  recordStatement,
  type StepKey,
  type StepLog,
  type StepOutcome,
} from './step-log';

/**
 * A local step whose whole effect is one transaction returning the step's result (ONE_TRANSACTION_STEPS). Its
 * outcome is looked up and recorded inside that transaction instead of around it: the lookup travels with the
 * transaction's first statements and the record with its commit, so the step costs two round trips to
 * PostgreSQL instead of five (lookup, BEGIN, statements, COMMIT, record), and the record commits with the step.
 */
export interface StepScope {
  readonly key: StepKey;
  /** What the step's transaction recorded, once it committed. */
  recorded?: { value: unknown };
  transactions: number;
}

/** Set by the step-log interceptor around a one-transaction step; read by the conductor's `begin`. */
export const stepScope = new AsyncLocalStorage<StepScope>();

/** The step ran before in this workflow task: its transaction rolled back, and this is what the first run left. */
export class RecalledStepError extends Error {
  constructor(readonly outcome: StepOutcome) {
    super('The step ran before in this workflow task');
    this.name = 'RecalledStepError';
  }
}

/** A one-transaction step broke its contract: a second transaction, or a result other than its transaction's. */
export class StepContractError extends Error {
  constructor(activityType: string, what: string) {
    super(`${activityType} is a one-transaction step but ${what}`);
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
 * The conductor's pool, whose `begin` logs the step when a one-transaction step runs it (stepScope); anywhere
 * else (queued activities, the API's reads, tests) it is the pool's own.
 */
export function stepAwareSql(sql: Sql, log: StepLog): Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop !== 'begin') return Reflect.get(target, prop, receiver) as unknown;
      return (...args: unknown[]) => {
        const scope = stepScope.getStore();
        if (!scope || typeof args[0] !== 'function') return (target.begin as (...a: unknown[]) => unknown)(...args);
        return loggedTransaction(target, log, scope, args[0] as Body<unknown>);
      };
    },
  });
}

async function loggedTransaction<T>(sql: Sql, log: StepLog, scope: StepScope, body: Body<T>): Promise<T> {
  if (scope.transactions++ > 0) throw new StepContractError(scope.key.activityType, 'began a second transaction');
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
      throw new RecalledStepError(recalled);
    }
    const value = await result;
    const [, committed] = await Promise.all([
      recordStatement(tx, scope.key, { value }).execute(),
      tx`COMMIT`.execute(),
    ]);
    if (committed.command !== 'COMMIT') throw new RolledBackAtCommitError();
    scope.recorded = { value };
    log.counted();
    return value;
  } catch (err) {
    if (!(err instanceof RecalledStepError)) await tx`ROLLBACK`.catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}
