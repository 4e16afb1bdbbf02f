import type { FaultKind, FaultRecord } from './faults';
import { FINDING_CATEGORIES, type Finding, type FindingCategory } from './findings';
import type { Outcome } from './ledger';
import type { UnexpectedExit } from './supervisor';

export interface ChaosResult {
  command: string;
  seed: number;
  runDir: string;
  workloadMs: number;
  /** How long the drain took; undefined when it gave up. */
  quiescenceMs: number | undefined;
  operations: [string, Record<Outcome, number>][];
  faults: FaultRecord[];
  unexpectedExits: UnexpectedExit[];
  findings: Finding[];
  historyRuns: number;
  counts: Record<FindingCategory | 'unrecovered' | 'crashed', number>;
}

export function countsOf(findings: Finding[], faults: FaultRecord[], exits: UnexpectedExit[]): ChaosResult['counts'] {
  const counts = Object.fromEntries(FINDING_CATEGORIES.map((c) => [c, 0])) as ChaosResult['counts'];
  for (const f of findings) counts[f.category]++;
  counts.unrecovered = faults.filter((f) => f.unrecovered).length;
  counts.crashed = exits.length;
  return counts;
}

export function failed(result: ChaosResult): boolean {
  return Object.values(result.counts).some((n) => n > 0);
}

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

function table(header: string[], rows: (string | number)[][]): string {
  const lines = [header, header.map(() => '---'), ...rows.map((r) => r.map(String))];
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

function faultRows(faults: FaultRecord[]): (string | number)[][] {
  const kinds = [...new Set(faults.map((f) => f.kind))].sort() as FaultKind[];
  const row = (label: string, of: FaultRecord[]) => {
    const times = of.flatMap((f) => (f.recoveryMs === undefined ? [] : [f.recoveryMs]));
    const measured = of.some((f) => f.kind.startsWith('kill-') || f.kind === 'evacuate-host');
    return [
      label,
      of.length,
      measured ? seconds(percentile(times, 50)) : '–',
      measured ? seconds(percentile(times, 100)) : '–',
    ];
  };
  const recovered = faults.filter((f) => f.kind.startsWith('kill-') || f.kind === 'evacuate-host');
  return [
    ...kinds.map((k) =>
      row(
        k,
        faults.filter((f) => f.kind === k),
      ),
    ),
    row('**all kills**', recovered),
  ];
}

/** The report as markdown: the same tables are printed at the end of a run and written to `<runDir>/report.md`. */
export function renderReport(result: ChaosResult): string {
  const ops = result.operations.map(([op, o]) => [op, o.accepted, o.conflict, o.rejected, o.unavailable]);
  const total = result.operations.reduce((sum, [, o]) => sum + o.accepted + o.conflict + o.rejected + o.unavailable, 0);
  const parts = [
    `# Chaos run, seed ${result.seed}`,
    '',
    `Command: \`${result.command}\``,
    '',
    `Workload ${seconds(result.workloadMs)}, ${total} requests, ${result.faults.length} faults; quiescent after ` +
      `${seconds(result.quiescenceMs)} of drain; ${result.historyRuns} closed operation histories checked.`,
    '',
    '## Operations (requests by outcome; 409 is counted, not a failure)',
    '',
    table(['operation', 'accepted', '409', 'other 4xx', '5xx / no answer'], ops),
    '',
    '## Faults (recovery: from the kill until a probe server is ACTIVE)',
    '',
    table(['fault', 'count', 'recovery p50', 'recovery max'], faultRows(result.faults)),
    '',
    '## Audit after quiescence (goal: all 0)',
    '',
    table(
      ['lost', 'stuck', 'leaked', 'corrupted', 'overcommitted', 'history', 'unrecovered', 'crashed'],
      [
        [
          result.counts.lost,
          result.counts.stuck,
          result.counts.leaked,
          result.counts.corrupted,
          result.counts.overcommitted,
          result.counts.history,
          result.counts.unrecovered,
          result.counts.crashed,
        ],
      ],
    ),
  ];
  if (result.findings.length > 0 || result.unexpectedExits.length > 0) {
    parts.push('', '## Findings', '');
    for (const f of result.findings.slice(0, 200)) parts.push(`- ${f.category}: ${f.detail}`);
    for (const e of result.unexpectedExits) {
      parts.push(`- crashed: ${e.name} exited on its own at ${seconds(e.atMs)} (code ${e.code}, signal ${e.signal})`);
    }
  }
  return parts.join('\n') + '\n';
}
