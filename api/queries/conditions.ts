import type { Fragment } from 'postgres';
import type { Queryable } from './queryable';

/** Joins optional WHERE conditions with AND; no conditions matches every row. */
export function allOf(sql: Queryable, conditions: readonly Fragment[]): Fragment {
  const [first, ...rest] = conditions;
  if (!first) return sql`TRUE`;
  return rest.reduce((joined, condition) => sql`${joined} AND ${condition}`, first);
}
