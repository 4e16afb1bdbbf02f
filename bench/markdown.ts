/** The run's markdown report (bench/results/latest.md). */
import type { Measured } from './measure';
import { commandLine, type Options } from './options';
import { breakdownTable, cpuTable, markdownTable, slowestActivities, type Row } from './report';
import type { Checks } from './summary';
import { notesOf } from './summary';
import { distribution } from './stats';

const f1 = (v: number) => v.toFixed(1);

function details(m: Measured, chartFile: string): string[] {
  const lines: string[] = [`![latency distributions and throughput](${chartFile})`, ''];
  lines.push('## Throughput', '');
  for (const t of m.throughput) {
    lines.push(
      `- concurrency ${t.concurrency}: ours ${t.ours.count} pairs in ${f1(t.ours.elapsedMs / 1000)} s, baseline ` +
        `${t.baseline.count} pairs in ${f1(t.baseline.elapsedMs / 1000)} s`,
    );
  }
  if (m.twoConductors) {
    const r = m.twoConductors.result;
    lines.push(
      `- concurrency ${m.twoConductors.concurrency}, 2 conductors: ${r.count} pairs in ${f1(r.elapsedMs / 1000)} s`,
    );
  }
  if (m.twoConductors?.result.aborted) lines.push(`- 2 conductors: stopped early, ${m.twoConductors.result.aborted}`);
  for (const a of m.accept.aborted)
    lines.push(`- action accept at ${m.accept.connections} connections stopped early, ${a}`);
  const { skipped } = m.pacedAccept;
  if (skipped.ours + skipped.baseline > 0)
    lines.push(
      `- paced accept: ${skipped.ours} arrivals of ours and ${skipped.baseline} of the baseline found every server busy`,
    );
  const accept = distribution(m.latency.series.createApiAccept);
  lines.push(`- create accept (POST → 202, one at a time): p50 ${f1(accept.p50)} ms, p99 ${f1(accept.p99)} ms`, '');
  lines.push(
    `## Servers list: ${m.list.instances} servers on ${m.seeded.hosts} hosts (seeded in ${f1(m.seeded.ms / 1000)} s)`,
    '',
    `The full page is ${(m.list.pageBytes / 1e6).toFixed(2)} MB of JSON. Each filter's p50, without and with the ` +
      'indexes of migrations/00015 and 00025 (dropped and recreated in this run):',
    '',
    '| filter | servers | without indexes | with indexes |',
    '|---|---:|---:|---:|',
    ...m.list.filters.map(
      (x) => `| ${x.filter} | ${x.servers} | ${f1(x.withoutIndexesP50)} ms | ${f1(x.withIndexesP50)} ms |`,
    ),
    '',
  );
  const s = m.scheduler;
  lines.push(
    '## Scheduler',
    '',
    `${s.single.length} selections + claims one at a time, then ${s.concurrent.length} with ${s.concurrency} at a ` +
      `time, among ${s.hosts} hosts; ${s.reselections} claims lost their candidates to a concurrent claim and ` +
      `selected again; ${s.unplaced} found no host; over-committed hosts: ${s.overcommitted.length}.`,
    '',
  );
  const r = m.recovery;
  lines.push(
    '## Recovery',
    '',
    `Heartbeat timeout ${r.heartbeatTimeoutMs} ms. From the SIGKILL: the host process reported again after ` +
      `${f1(r.restartMs)} ms, the disk copy's retry ran on it after ${f1(r.retryStartedMs)} ms, the migration's next ` +
      `step was recorded after ${f1(r.nextStepMs)} ms (goal: heartbeat timeout + 5 s).`,
    '',
    '## Same shape',
    '',
    ...m.latency.shapes.map(
      (x) =>
        `- ${x.workflow}: ${x.ours.length} activities (${x.ours.join(', ')})` +
        `${x.ours.join() === x.baseline.join() ? ', the baseline the same' : `; baseline: ${x.baseline.join(', ')}`}`,
    ),
    '',
    "## Where the time goes (means per run, from the histories of the client-created servers' operations)",
    '',
    breakdownTable(m.breakdown, true),
    '',
    ...m.breakdown.map((b) => `- ${b.workflowType}: slowest activities ${slowestActivities(b, 4)}`),
    '',
    '## CPU per operation (over each phase, by process)',
    '',
    cpuTable(m.cpu, true),
    '',
  );
  return lines;
}

const METHOD = [
  '## Method',
  '',
  '- One process: embedded PostgreSQL and an in-memory Temporal dev server on free loopback ports, the conductor',
  '  worker, the compute hosts and the API (ephemeral port), and beside them the baseline workers, which copy the',
  "  conductor's and the compute hosts' worker settings and serve their own queues (`bench…-baseline-…`).",
  '  Recovery starts one compute host as its own process; the 2-conductor run starts a second conductor process.',
  '- Baseline: raw workflows (bench/baseline-workflows.ts) with the same activities in the same order on the same',
  '  queue shape (local, conductor queue, compute host), with our activity options, no-op activities, started by',
  '  update-with-start with an `admission` update. "Same shape" above compares the activity sequences of one run',
  '  of each from their histories; a difference fails the run. The "… vs the queued-steps baseline" rows: the same',
  '  raw workflows with every conductor step a queued activity, as raw Temporal is commonly written (no goal).',
  '- "API" rows: HTTP through fetch, POST then GET /servers/{id} every 20 ms until the state shows. "client" rows:',
  "  the API's own Operations.start (update-with-start) then the workflow result. resize, shelve and createImage:",
  "  the POST, then the workflow result (resize's confirm is sent at once and answered at VERIFY_RESIZE).",
  '- Throughput: closed loops of create (API) → workflow result → DELETE → result, at each concurrency.',
  '- Action accept: each connection stops and starts its own server (POST → 202), waiting for each operation to',
  '  finish; the baseline is update-with-start of a stop-shaped raw workflow until its admission answers. The',
  '  "paced" rows offer actions at fixed intervals (an open loop) at half the rate our side sustained, each on an',
  '  idle server of the same pool, both sides at the same rate: the accept when requests do not queue.',
  '- Servers list and scheduler: servers cloned from one of ours (every column, with its allocation) onto seeded',
  "  hosts; selection + claim calls the conductor's scheduler activity and claim in-process, without Temporal.",
  '- Percentiles are nearest-rank. Timings are reported, never asserted; the checks are.',
  '',
];

export function markdown(
  env: Record<string, unknown>,
  opts: Options,
  rows: Row[],
  m: Measured | undefined,
  checks: Checks,
  chartFile: string,
): string {
  const lines = [
    '# Benchmark: our operations vs raw Temporal (same run)',
    '',
    `${env['date']} · commit ${env['commit']}${env['uncommittedChanges'] ? ' (with uncommitted changes)' : ''} · ` +
      `${env['cpus']} × ${env['cpuModel']} · ${env['memoryGiB']} GiB · Node ${env['node']} · ${env['temporalCli']} · ` +
      `load average at the start ${env['loadAverage']}`,
    '',
    `Options: ${commandLine(opts)}; ${env['hosts']} in-process compute hosts; Temporal: ${env['temporalServer']}.`,
    '',
    markdownTable(rows),
    '',
    ...(m ? notesOf(m).map((n) => `> ${n}\n`) : []),
    `Checks: ${checks.passed ? 'passed' : 'FAILED'}${checks.problems.map((p) => `\n- ${p}`).join('')}`,
    '',
    ...(m ? details(m, chartFile) : []),
    ...METHOD,
  ];
  return lines.join('\n');
}
