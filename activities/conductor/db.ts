import postgres, { type Sql, type TransactionSql } from 'postgres';

export type { Sql };
/** A pool or an open transaction: helpers that take this run inside the caller's transaction. */
export type Queryable = Sql | TransactionSql;

export interface PoolOptions {
  /** PostgreSQL cancels a statement that runs longer (its `statement_timeout`); none when undefined. */
  statementTimeoutMs?: number;
}

/** Opens a PostgreSQL pool. Only conductor processes and the API's read-only queries ever call this. */
export function connectDatabase(url: string, max = 10, opts: PoolOptions = {}): Sql {
  const timeout = opts.statementTimeoutMs === undefined ? {} : { statement_timeout: opts.statementTimeoutMs };
  return postgres(url, {
    max,
    onnotice: () => undefined,
    connection: { application_name: 'nova-temporal', ...timeout },
  });
}

/**
 * Runs statement batches of one transaction side by side and waits for every one before failing: a batch that
 * failed early must not let the others send statements after the transaction rolled back.
 */
export async function allOf<T extends readonly unknown[]>(
  batches: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(batches);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
