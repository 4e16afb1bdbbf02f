/** Renders rows as an aligned text table with a header, or `(none)` when there are no rows. */
export function renderTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Prints a table, or the same records as JSON with `--json`. */
export function output(json: boolean, columns: readonly string[], records: Record<string, unknown>[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${renderTable(
      columns,
      records.map((r) => columns.map((c) => r[c])),
    )}\n`,
  );
}
