/** The run's table rows, its notes and its checks, from what it measured. */
import type { Measured } from './measure';
import { absoluteRow, latencyRow, throughputRow, type Row } from './report';
import { POLL_MS, type Bench } from './scenarios';
import { runQuery, type BenchStack } from './stack';
import { distribution } from './stats';

/** A row shown for comparison, without the goal: the goals are against the same-shape baseline. */
function informational(row: Row): Row {
  return { ...row, goal: '', met: null };
}

export function rowsOf(m: Measured): Row[] {
  const rows: Row[] = [];
  const s = m.latency.series;
  const latency = (what: string, ours: number[], baseline: number[]) => {
    const o = distribution(ours);
    const b = distribution(baseline);
    for (const p of ['p50', 'p95', 'p99'] as const) rows.push(latencyRow(`${what} ${p}`, o[p], b[p]));
  };
  // Raw Temporal as commonly written (conductor steps as queued activities), for comparison: the goals are
  // against the baseline that follows our shape.
  const versusQueued = (what: string, ours: number[], queued: number[]) =>
    rows.push(
      informational(
        latencyRow(`… ${what} p50, vs the queued-steps baseline`, distribution(ours).p50, distribution(queued).p50),
      ),
    );
  latency(`create, API POST→ACTIVE (poll ${POLL_MS} ms)`, s.createApi, s.createBaseline);
  latency('create, client start→result', s.createClient, s.createBaseline);
  versusQueued('create, client', s.createClient, s.createBaselineQueued);
  latency('cold migrate+confirm, API', s.migrateApi, s.migrateBaseline);
  latency('cold migrate+confirm, client', s.migrateClient, s.migrateBaseline);
  versusQueued('cold migrate+confirm, client', s.migrateClient, s.migrateBaselineQueued);
  latency('resize+confirm', s.resize, s.resizeBaseline);
  versusQueued('resize+confirm', s.resize, s.resizeBaselineQueued);
  latency('shelve→offload→unshelve', s.shelveCycle, s.shelveCycleBaseline);
  versusQueued('shelve→offload→unshelve', s.shelveCycle, s.shelveCycleBaselineQueued);
  latency('createImage (snapshot)', s.snapshot, s.snapshotBaseline);
  versusQueued('createImage', s.snapshot, s.snapshotBaselineQueued);
  for (const t of m.throughput) {
    rows.push(
      throughputRow(`create+delete pairs/s, concurrency ${t.concurrency}`, t.ours.perSecond, t.baseline.perSecond),
    );
    rows.push(
      informational(
        throughputRow(
          `… pairs/s vs the queued-steps baseline, concurrency ${t.concurrency}`,
          t.ours.perSecond,
          t.baselineQueued.perSecond,
        ),
      ),
    );
  }
  if (m.twoConductors) {
    const one = m.throughput.find((t) => t.concurrency === m.twoConductors?.concurrency);
    rows.push({
      measure: `… with 2 conductor workers (vs 1), concurrency ${m.twoConductors.concurrency}`,
      ours: m.twoConductors.result.perSecond,
      baseline: one?.ours.perSecond ?? null,
      unit: '/s',
      ratio: one ? m.twoConductors.result.perSecond / one.ours.perSecond : null,
      goal: '',
      met: null,
    });
  }
  const accept = distribution(m.accept.ours);
  const acceptBase = distribution(m.accept.baseline);
  const conns = `${m.accept.connections} conns`;
  rows.push(absoluteRow(`action accept p50 (os-stop/os-start, ${conns})`, accept.p50, acceptBase.p50, '', null));
  rows.push(
    absoluteRow(
      `action accept p99 (os-stop/os-start, ${conns})`,
      accept.p99,
      acceptBase.p99,
      '≤ 50 ms',
      accept.p99 <= 50,
    ),
  );
  const paced = distribution(m.pacedAccept.ours);
  const pacedBase = distribution(m.pacedAccept.baseline);
  const offered = `paced at ${m.pacedAccept.perSecond.toFixed(1)}/s (half the rate at ${conns})`;
  for (const p of ['p50', 'p99'] as const)
    rows.push(absoluteRow(`… action accept ${p}, ${offered}`, paced[p], pacedBase[p], '', null));
  const page = distribution(m.list.page);
  const pageC = distribution(m.list.pageConcurrent);
  const servers = `${m.list.instances} servers`;
  rows.push(absoluteRow(`servers/detail?limit=1000 p50 (${servers}, 1 conn)`, page.p50, null, '', null));
  rows.push(
    absoluteRow(`servers/detail?limit=1000 p99 (${servers}, 1 conn)`, page.p99, null, '≤ 100 ms', page.p99 <= 100),
  );
  const ownC = distribution(m.list.ownPageConcurrent);
  const listConns = `${m.list.concurrency} conns`;
  rows.push(absoluteRow(`servers/detail?limit=1000 p50 (${listConns}, the same page)`, pageC.p50, null, '', null));
  rows.push(
    absoluteRow(
      `servers/detail?limit=1000 p99 (${listConns}, the same page)`,
      pageC.p99,
      null,
      '≤ 100 ms',
      pageC.p99 <= 100,
    ),
  );
  // The goal names no page: held against both, the same page and pages of their own.
  rows.push(
    absoluteRow(`… p99 (${listConns}, each its own page: nothing shared)`, ownC.p99, null, '≤ 100 ms', ownC.p99 <= 100),
  );
  const single = distribution(m.scheduler.single);
  const many = distribution(m.scheduler.concurrent);
  const hosts = `${m.scheduler.hosts} hosts`;
  rows.push(absoluteRow(`select + claim p50 (${hosts}, one at a time)`, single.p50, null, '', null));
  rows.push(absoluteRow(`select + claim p99 (${hosts}, one at a time)`, single.p99, null, '≤ 20 ms', single.p99 <= 20));
  rows.push(absoluteRow(`select + claim p50 (${m.scheduler.concurrency} concurrent)`, many.p50, null, '', null));
  rows.push(
    absoluteRow(
      `select + claim p99 (${m.scheduler.concurrency} concurrent)`,
      many.p99,
      null,
      '≤ 20 ms',
      many.p99 <= 20,
    ),
  );
  const r = m.recovery;
  const goal = r.heartbeatTimeoutMs + 5000;
  rows.push(
    absoluteRow(
      'recovery: kill -9 → copy retried on restarted host',
      r.retryStartedMs,
      null,
      `≤ ${goal} ms`,
      r.retryStartedMs <= goal,
    ),
  );
  rows.push(
    absoluteRow('recovery: kill -9 → next step recorded', r.nextStepMs, null, `≤ ${goal} ms`, r.nextStepMs <= goal),
  );
  return rows;
}

/** What a reader must know to read the table right, derived from this run's own numbers. */
export function notesOf(m: Measured): string[] {
  const notes: string[] = [];
  const base = m.breakdown.find((b) => b.workflowType === 'baselineCreateWorkflow');
  const perHop = base && base.activities > 0 ? base.activityQueueMs / base.activities : 0;
  if (perHop > 20) {
    notes.push(
      `The baseline's no-op activities waited ${perHop.toFixed(0)} ms each for an idle worker: the server's task ` +
        "dispatch sets the pace (the dev server reads its single history shard's transfer queue at most " +
        '20 times a second, history.transferProcessorMaxPollRPS). Both sides pay that on every hop, which pulls ' +
        'the latency ratios toward 1; point BENCH_TEMPORAL_ADDRESS at a server started with a higher limit to ' +
        'see our own cost.',
    );
  }
  if (m.scheduler.reselections > 0) {
    notes.push(
      `${m.scheduler.reselections} of the scheduler's claims found all their candidates taken by concurrent ` +
        'claims and selected again: concurrent requests read the same capacity and the weighers rank it the same ' +
        "way (Nova's host_subset_size 1). The claims themselves never over-commit: each is one atomic statement.",
    );
  }
  return notes;
}

export interface Checks {
  passed: boolean;
  problems: string[];
}

function shapeProblems(m: Measured): string[] {
  const problems: string[] = [];
  for (const s of m.latency.shapes) {
    if (s.ours.join(' ') !== s.baseline.join(' ')) {
      problems.push(
        `${s.workflow}: the baseline's activities differ: ours ${s.ours.join(', ')}; ` +
          `baseline ${s.baseline.join(', ')}`,
      );
    }
  }
  return problems;
}

function auditProblems(m: Measured | undefined): string[] {
  const problems: string[] = [];
  for (const { when, audit } of m?.audits ?? []) {
    for (const h of audit.overcommitted_hosts)
      problems.push(`over-commit ${when}: ${h.host} ${h.resource} ${h.used} > ${h.usable}`);
    for (const a of audit.orphaned_allocations) {
      problems.push(`orphaned allocation ${when}: ${a.consumer_uuid} on ${a.host} (${a.reason})`);
    }
    for (const a of audit.missing_allocations)
      problems.push(`instance without its claim ${when}: ${a.instance_uuid} on ${a.host}`);
  }
  if (!m) return problems;
  for (const h of m.scheduler.overcommitted) {
    problems.push(`over-commit in the scheduler run: ${h.host} ${h.resource} ${h.used} > ${h.usable}`);
  }
  if (m.scheduler.unplaced > 0)
    problems.push(`${m.scheduler.unplaced} scheduler requests found no host with room left`);
  return problems;
}

export async function check(stack: BenchStack, bench: Bench, m: Measured | undefined, error: unknown): Promise<Checks> {
  const problems: string[] = [];
  if (error !== undefined) problems.push(`the run stopped: ${error instanceof Error ? error.message : String(error)}`);
  for (const f of bench.failures) problems.push(`operation failed in ${f.phase}: ${f.error}`);
  problems.push(...auditProblems(m));
  if (m) problems.push(...shapeProblems(m));
  const [left] = await stack.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM instances WHERE NOT deleted`;
  if (m && left && left.n > 0) problems.push(`${left.n} servers left undeleted after the cleanup`);
  const [errored] = await stack.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM instances WHERE vm_state = 'error'`;
  if (errored && errored.n > 0) problems.push(`${errored.n} servers went to ERROR`);
  const bad = await stack.client.workflow.count(
    `${runQuery(stack)} AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ` +
      `ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled')`,
  );
  if (bad.count > 0)
    problems.push(`${bad.count} workflow runs did not complete (failed, timed out, terminated, cancelled)`);
  return { passed: problems.length === 0, problems };
}
