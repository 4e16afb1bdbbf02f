import postgres, { type Sql, type TransactionSql } from 'postgres';

export type { Sql };
/** A pool or an open transaction: helpers that take this run inside the caller's transaction. */
export type Queryable = Sql | TransactionSql;

/** Opens a PostgreSQL pool. Only conductor processes and the API's read-only queries ever call this. */
export function connectDatabase(url: string, max = 10): Sql {
  return postgres(url, { max, onnotice: () => undefined, connection: { application_name: 'nova-temporal' } });
}
