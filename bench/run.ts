/**
 * `npm run bench`: our operations against raw Temporal (the baseline) in one process and one run, on servers
 * of its own. Prints one table and writes <out>/latest.{json,md,svg} (bench/results by default). Exits non-zero
 * when its checks fail (an operation failed, over-commit, leaked claims, failed workflows, a baseline of another
 * shape); timings are reported, never asserted. Options: bench/options.ts.
 *
 *   npm run bench -- --n 30 --n-ops 10 --seconds 20 --concurrency 10,50 --connections 100
 *
 * BENCH_TEMPORAL_ADDRESS=host:port runs against an existing Temporal server instead of starting one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../worker/infra/temporal-server';
import { takeOverShutdownSignals } from '../worker/infra/embedded-postgres';
import { benchChart, type ChartBar } from './chart';
import { markdown } from './markdown';
import { measure, type Measured } from './measure';
import { parseOptions, type Options } from './options';
import { breakdownTable, cpuTable, slowestActivities, textTable } from './report';
import { Bench } from './scenarios';
import { startBenchStack, type BenchStack } from './stack';
import { distribution, type Distribution } from './stats';
import { check, notesOf, rowsOf, type Checks } from './summary';

const HOSTS = 3;
/** A run that takes longer than this has hung somewhere: stop everything and fail. */
const HARD_LIMIT_MS = 25 * 60_000;
const CHART_FILE = 'latest.svg';

const began = performance.now();
function log(line: string): void {
  process.stderr.write(`[bench +${((performance.now() - began) / 1000).toFixed(1)}s] ${line}\n`);
}

function tryCommand(file: string, args: string[]): string | null {
  try {
    return execFileSync(file, args, {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function environment(stack: BenchStack, loadAverage: number[]): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit: tryCommand('git', ['rev-parse', '--short', 'HEAD']),
    // The results of an earlier run are not a change to what is measured.
    uncommittedChanges:
      (tryCommand('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results']) ?? '')
        .length > 0,
    node: process.version,
    temporalCli: tryCommand(path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal'), ['--version']),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: loadAverage.map((l) => l.toFixed(2)).join(' '),
    temporalServer: stack.ownTemporal
      ? 'own dev server (in memory, the dynamic config of worker/infra/temporal-server.ts)'
      : `existing server at ${process.env['BENCH_TEMPORAL_ADDRESS']} (its CPU is not counted)`,
    hosts: stack.hosts.length,
    workerSettings: stack.workerSettings,
    startupMs: Math.round(stack.startupMs),
  };
}

function chartOf(m: Measured): string {
  const s = m.latency.series;
  const series = [
    { label: 'create (client)', ours: s.createClient, baseline: s.createBaseline },
    { label: 'migrate+confirm (client)', ours: s.migrateClient, baseline: s.migrateBaseline },
    { label: 'resize+confirm', ours: s.resize, baseline: s.resizeBaseline },
    { label: 'shelve→offload→unshelve', ours: s.shelveCycle, baseline: s.shelveCycleBaseline },
    { label: 'createImage', ours: s.snapshot, baseline: s.snapshotBaseline },
  ];
  const bars: ChartBar[] = m.throughput.flatMap((t) => [
    { label: `ours, concurrency ${t.concurrency}`, value: t.ours.perSecond, kind: 'ours' as const },
    { label: `baseline, concurrency ${t.concurrency}`, value: t.baseline.perSecond, kind: 'baseline' as const },
  ]);
  if (m.twoConductors) {
    const label = `ours, 2 conductors, ${m.twoConductors.concurrency}`;
    bars.push({ label, value: m.twoConductors.result.perSecond, kind: 'other' });
  }
  return benchChart('nova-temporal vs raw Temporal, same run', series, bars);
}

function json(env: Record<string, unknown>, opts: Options, bench: Bench, m: Measured | undefined, checks: Checks) {
  const dist = (samples: number[]): Distribution & { samples: number[] } => ({
    ...distribution(samples),
    samples: samples.map((v) => Math.round(v * 10) / 10),
  });
  const loop = <T extends { samples: number[] }>(r: T) => ({ ...r, samples: undefined, latency: dist(r.samples) });
  return {
    environment: env,
    options: opts,
    rows: m ? rowsOf(m) : [],
    checks,
    failures: bench.failures,
    ...(m && {
      latencies: Object.fromEntries(Object.entries(m.latency.series).map(([k, v]) => [k, dist(v)])),
      shapes: m.latency.shapes,
      throughput: m.throughput.map((t) => ({
        concurrency: t.concurrency,
        ours: loop(t.ours),
        baseline: loop(t.baseline),
      })),
      twoConductors: m.twoConductors && {
        concurrency: m.twoConductors.concurrency,
        ours: loop(m.twoConductors.result),
      },
      accept: { connections: m.accept.connections, ours: dist(m.accept.ours), baseline: dist(m.accept.baseline) },
      pacedAccept: {
        perSecond: m.pacedAccept.perSecond,
        skipped: m.pacedAccept.skipped,
        ours: dist(m.pacedAccept.ours),
        baseline: dist(m.pacedAccept.baseline),
      },
      list: {
        ...m.list,
        page: dist(m.list.page),
        pageConcurrent: dist(m.list.pageConcurrent),
        ownPageConcurrent: dist(m.list.ownPageConcurrent),
      },
      scheduler: { ...m.scheduler, single: dist(m.scheduler.single), concurrent: dist(m.scheduler.concurrent) },
      recovery: m.recovery,
      seeded: m.seeded,
      breakdown: m.breakdown,
      cpu: m.cpu,
      audits: m.audits,
    }),
  };
}

/** The markdown as the project's Prettier would write it (tables aligned), or as is without Prettier. */
async function formatted(text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = await prettier.resolveConfig(path.join(PROJECT_ROOT, 'bench', 'results', 'latest.md'));
    return await prettier.format(text, { ...config, parser: 'markdown' });
  } catch {
    return text;
  }
}

function printSummary(m: Measured | undefined, checks: Checks, out: string): void {
  if (m) {
    process.stdout.write(`\n${textTable(rowsOf(m))}\n\n`);
    for (const note of notesOf(m)) process.stdout.write(`note: ${note}\n\n`);
    process.stdout.write(
      `where the time goes (means per run, from histories):\n${breakdownTable(m.breakdown, false)}\n`,
    );
    for (const b of m.breakdown) process.stdout.write(`  ${b.workflowType}: slowest ${slowestActivities(b, 4)}\n`);
    process.stdout.write(`\n${cpuTable(m.cpu, false)}\n\n`);
  }
  process.stdout.write(
    checks.passed
      ? 'checks passed: every operation succeeded, no over-commit, no leaked or missing claims, same shapes\n'
      : `checks FAILED:\n${checks.problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.stdout.write(`results: ${path.relative(process.cwd(), out)}/latest.{json,md,svg}\n`);
}

async function runAndReport(stack: BenchStack, opts: Options, loadAverage: number[]): Promise<boolean> {
  const bench = await Bench.create(stack);
  let measured: Measured | undefined;
  let error: unknown;
  try {
    measured = await Promise.race([measure(bench, opts, log), stack.workerFailure]);
  } catch (err) {
    error = err;
  }
  const checks = await check(stack, bench, measured, error);
  const env = environment(stack, loadAverage);
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(
    path.join(opts.out, 'latest.json'),
    `${JSON.stringify(json(env, opts, bench, measured, checks), null, 2)}\n`,
  );
  if (measured) writeFileSync(path.join(opts.out, CHART_FILE), chartOf(measured));
  const rows = measured ? rowsOf(measured) : [];
  const md = markdown(env, opts, rows, measured, checks, CHART_FILE);
  writeFileSync(path.join(opts.out, 'latest.md'), await formatted(md));
  printSummary(measured, checks, opts.out);
  return checks.passed;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const loadAverage = os.loadavg();
  const stack = await startBenchStack({ hosts: HOSTS, log, heartbeatTimeoutS: opts.heartbeatTimeoutS });
  log(`stack up in ${(stack.startupMs / 1000).toFixed(1)} s`);
  let stopping = false;
  /** Stops the servers (at most 30 s), then exits: no PostgreSQL or Temporal process outlives the bench. */
  const abandon = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(why);
    const deadline = new Promise((resolve) => setTimeout(resolve, 30_000).unref());
    void Promise.race([stack.stop(), deadline]).finally(() => process.exit(code));
  };
  const hardLimit = setTimeout(
    () => abandon(`the bench exceeded ${HARD_LIMIT_MS / 1000} s: stopping`, 2),
    HARD_LIMIT_MS - stack.startupMs,
  );
  hardLimit.unref();
  await takeOverShutdownSignals();
  process.on('SIGHUP', () => abandon('hung up: stopping', 129));
  process.on('SIGINT', () => abandon('interrupted: stopping', 130));
  process.on('SIGTERM', () => abandon('terminated: stopping', 143));

  let passed = false;
  try {
    passed = await runAndReport(stack, opts, loadAverage);
  } finally {
    if (!stopping) {
      stopping = true;
      log('stopping the stack');
      await stack.stop();
    }
  }
  process.exit(passed ? 0 : 1);
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
