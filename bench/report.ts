import type { TypeBreakdown } from './history';

export interface Row {
  measure: string;
  ours: number;
  baseline: number | null;
  unit: 'ms' | '/s';
  /** ours / baseline (latency: lower is better; throughput: higher is better). */
  ratio: number | null;
  goal: string;
  /** Whether the goal is met; null when the row has no goal of its own. */
  met: boolean | null;
}

/** A latency row: the goal is ours ≤ 1.25 × the baseline. */
export function latencyRow(measure: string, ours: number, baseline: number): Row {
  const ratio = ours / baseline;
  return { measure, ours, baseline, unit: 'ms', ratio, goal: '≤ 1.25×', met: ratio <= 1.25 };
}

export function throughputRow(measure: string, ours: number, baseline: number): Row {
  const ratio = ours / baseline;
  return { measure, ours, baseline, unit: '/s', ratio, goal: '≥ 0.8×', met: ratio >= 0.8 };
}

export function absoluteRow(
  measure: string,
  ours: number,
  baseline: number | null,
  goal: string,
  met: boolean | null,
): Row {
  return { measure, ours, baseline, unit: 'ms', ratio: baseline ? ours / baseline : null, goal, met };
}

const HEADERS = ['measure', 'ours', 'baseline', 'ratio', 'goal (issue 8)', 'met'];

function value(v: number | null, unit: Row['unit']): string {
  if (v === null || Number.isNaN(v)) return '–';
  return unit === 'ms' ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} /s`;
}

function cells(row: Row): string[] {
  return [
    row.measure,
    value(row.ours, row.unit),
    value(row.baseline, row.unit),
    row.ratio === null || Number.isNaN(row.ratio) ? '–' : `${row.ratio.toFixed(2)}×`,
    row.goal,
    row.met === null ? '' : row.met ? 'yes' : 'NO',
  ];
}

/** The table as aligned plain text, for the terminal. */
export function textTable(rows: Row[]): string {
  const all = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)));
  const rule = widths.map((w) => '-'.repeat(w));
  return [line(all[0]!), rule, ...all.slice(1).map(line)].map((r) => r.join('  ')).join('\n');
}

export function markdownTable(rows: Row[]): string {
  const head = `| ${HEADERS.join(' | ')} |\n|${HEADERS.map((_, c) => (c === 0 ? '---' : '---:')).join('|')}|`;
  return [head, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)].join('\n');
}

const ms = (v: number) => v.toFixed(1);

/** Where a run's time goes, per workflow type (means over the runs, from their histories). */
export function breakdownTable(types: TypeBreakdown[], markdown: boolean): string {
  const headers = [
    'workflow',
    'runs',
    'total',
    'activity exec',
    'activity queue',
    'workflow tasks (local activities)',
    'other',
    'events',
  ];
  const rows = types.map((t) => [
    t.workflowType,
    String(t.runs),
    ms(t.totalMs),
    ms(t.activityExecMs),
    ms(t.activityQueueMs),
    `${ms(t.workflowTaskMs)} (${t.workflowTasks.toFixed(0)} tasks, ${t.localActivities.toFixed(0)})`,
    ms(t.otherMs),
    t.events.toFixed(0),
  ]);
  return grid(headers, rows, markdown);
}

/** The slowest activities of one workflow type, mean execution and queue time. */
export function slowestActivities(t: TypeBreakdown, count: number): string {
  return t.perActivity
    .slice(0, count)
    .map((a) => `${a.type} ${ms(a.execMs)} ms (+${ms(a.queueMs)} queued)`)
    .join(', ');
}

/** CPU one operation cost, by process (ms), measured over a phase. */
export interface CpuPerOp {
  phase: string;
  ops: number;
  node: number;
  temporal: number;
  postgres: number;
}

export function cpuTable(rows: CpuPerOp[], markdown: boolean): string {
  const headers = ['CPU ms per operation', 'ops', 'bench process', 'Temporal server', 'PostgreSQL', 'total'];
  const body = rows.map((r) => [
    r.phase,
    String(r.ops),
    ms(r.node),
    ms(r.temporal),
    ms(r.postgres),
    ms(r.node + r.temporal + r.postgres),
  ]);
  return grid(headers, body, markdown);
}

function grid(headers: string[], rows: string[][], markdown: boolean): string {
  if (markdown) {
    return [
      `| ${headers.join(' | ')} |`,
      `|---|${headers
        .slice(1)
        .map(() => '---:')
        .join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  }
  const all = [headers, ...rows];
  const widths = headers.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}
