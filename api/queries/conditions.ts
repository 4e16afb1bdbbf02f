import type { Fragment, Sql } from 'postgres';

/** Joins optional WHERE conditions with AND; no conditions matches every row. */
export function allOf(sql: Sql, conditions: readonly Fragment[]): Fragment {
  const [first, ...rest] = conditions;
  if (!first) return sql`TRUE`;
  return rest.reduce((joined, condition) => sql`${joined} AND ${condition}`, first);
}
