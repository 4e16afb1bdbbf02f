import type { Sql, TransactionSql } from 'postgres';

/** The pool or one of its transactions: read queries run on either. */
export type Queryable = Sql | TransactionSql;
