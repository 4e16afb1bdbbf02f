/**
 * `npm run bench`: our operations against raw Temporal (the baseline) in one process and one run, on servers
 * of its own. Prints one table and writes bench/results/latest.{json,md}. Exits non-zero when its invariants
 * fail (an operation failed, over-commit, leaked claims, failed workflows); timings are reported, never asserted.
 *
 *   npm run bench -- --n 30 --n-migrate 10 --seconds 20 --api-seconds 5 --connections 20 --warmup 1
 *
 * BENCH_TEMPORAL_ADDRESS=host:port runs against an existing Temporal server instead of starting one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { auditAllocations, type AllocationAudit } from '../api/queries/allocation-audit';
import { instanceWorkflowId } from '../domain/naming';
import { PROJECT_ROOT } from '../worker/infra/temporal-server';
import { cpuSince, cpuSnapshot } from './cpu';
import { breakdownByType, type TypeBreakdown } from './history';
import {
  absoluteRow,
  breakdownTable,
  cpuTable,
  type CpuPerOp,
  latencyRow,
  markdownTable,
  slowestActivities,
  textTable,
  throughputRow,
  type Row,
} from './report';
import { Bench, closedLoop, forEachConcurrently, POLL_MS, sequential, type ClosedLoopResult } from './scenarios';
import { runQuery, startBenchStack, type BenchStack } from './stack';
import { distribution, type Distribution } from './stats';

const HOSTS = 3;
const THROUGHPUT_CONCURRENCY = 10;
/** How long the bench samples the CPU the idle system burns (pollers, host reports, server housekeeping). */
const IDLE_SAMPLE_MS = 2000;
/** A run that takes longer than this has hung somewhere: stop everything and fail. */
const HARD_LIMIT_MS = 10 * 60_000;

interface Options {
  n: number;
  /** Migrations per variant: each takes twice a create, and three variants run. */
  nMigrate: number;
  seconds: number;
  apiSeconds: number;
  connections: number;
  warmup: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '30' },
      'n-migrate': { type: 'string', default: '10' },
      seconds: { type: 'string', default: '20' },
      'api-seconds': { type: 'string', default: '5' },
      connections: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '1' },
    },
  });
  const num = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  return {
    n: Math.floor(num('n', values.n, 1)),
    nMigrate: Math.floor(num('n-migrate', values['n-migrate'], 1)),
    seconds: num('seconds', values.seconds, 0.5),
    apiSeconds: num('api-seconds', values['api-seconds'], 0.5),
    connections: Math.floor(num('connections', values.connections, 1)),
    warmup: Math.floor(num('warmup', values.warmup, 0)),
  };
}

const began = performance.now();
function log(line: string): void {
  process.stderr.write(`[bench +${((performance.now() - began) / 1000).toFixed(1)}s] ${line}\n`);
}

interface Checkpoint {
  when: string;
  audit: AllocationAudit;
}

interface Measured {
  createApi: number[];
  createApiAccept: number[];
  createClient: number[];
  createBaseline: number[];
  migrateApi: number[];
  migrateClient: number[];
  migrateBaseline: number[];
  throughputOurs: ClosedLoopResult;
  throughputBaseline: ClosedLoopResult;
  acceptOurs: number[];
  acceptBaseline: number[];
  breakdown: TypeBreakdown[];
  cpu: CpuPerOp[];
  audits: Checkpoint[];
}

async function measure(stack: BenchStack, opts: Options, bench: Bench): Promise<Measured> {
  const audits: Checkpoint[] = [];
  const audit = async (when: string) => audits.push({ when, audit: await auditAllocations(stack.sql) });
  const cpu: CpuPerOp[] = [];
  /** Runs a phase and records the CPU its operations cost, per operation, by process. */
  const accounted = async <T>(phase: string, run: () => Promise<T>, ops: (result: T) => number): Promise<T> => {
    const before = cpuSnapshot();
    const result = await run();
    const used = cpuSince(before);
    const n = ops(result);
    if (used && n > 0) {
      cpu.push({ phase, ops: n, node: used.node / n, temporal: used.temporal / n, postgres: used.postgres / n });
    }
    return result;
  };

  if (opts.warmup > 0) {
    log(`warm-up: ${opts.warmup} of each operation`);
    await sequential(bench, 'warm-up', opts.warmup, async (i) => {
      const api = (await bench.ourCreateViaApi(`bench-warm-api-${i}`)).id;
      const client = await bench.ourCreateViaClient(`bench-warm-client-${i}`);
      const id = bench.baselineId();
      const host = bench.nextHost();
      await bench.baselineCreate(id, host);
      await bench.ourMigrateViaApi(api);
      await bench.ourMigrateViaClient(client);
      await bench.baselineMigrate(id, host);
    });
  }

  const idleBefore = cpuSnapshot();
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
  const idle = cpuSince(idleBefore);
  if (idle) {
    const perSecond = 1000 / IDLE_SAMPLE_MS;
    cpu.push({
      phase: 'idle, per second',
      ops: IDLE_SAMPLE_MS / 1000,
      node: idle.node * perSecond,
      temporal: idle.temporal * perSecond,
      postgres: idle.postgres * perSecond,
    });
  }

  const count = (r: { samples: number[] }) => r.samples.length;
  log(`create latency: ${opts.n} sequential creates through the API (POST → ACTIVE, GET every ${POLL_MS} ms)`);
  const createApi = await accounted(
    'create (API, polling)',
    () => sequential(bench, 'create (API)', opts.n, (i) => bench.ourCreateViaApi(`bench-api-${i}`)),
    count,
  );
  log(`create latency: ${opts.n} through the Temporal client (start → result)`);
  const createClient = await accounted(
    'create (client)',
    () => sequential(bench, 'create (client)', opts.n, (i) => bench.ourCreateViaClient(`bench-client-${i}`)),
    count,
  );
  log(`create latency: ${opts.n} baseline`);
  const createBaseline = await accounted(
    'baseline create',
    () =>
      sequential(bench, 'baseline create', opts.n, async () => {
        const id = bench.baselineId();
        const host = bench.nextHost();
        await bench.baselineCreate(id, host);
        return { id, host };
      }),
    count,
  );

  const migrations = (created: unknown[]) => Math.min(opts.nMigrate, created.length);
  log(`cold migrate + confirm: ${migrations(createApi.values)} through the API`);
  const migrateApi = await accounted(
    'migrate+confirm (API, polling)',
    () =>
      sequential(bench, 'migrate+confirm (API)', migrations(createApi.values), (i) =>
        bench.ourMigrateViaApi(createApi.values[i]!.id),
      ),
    count,
  );
  log(`cold migrate + confirm: ${migrations(createClient.values)} through the Temporal client`);
  const migrateClient = await accounted(
    'migrate+confirm (client)',
    () =>
      sequential(bench, 'migrate+confirm (client)', migrations(createClient.values), (i) =>
        bench.ourMigrateViaClient(createClient.values[i]!),
      ),
    count,
  );
  log(`cold migrate + confirm: ${migrations(createBaseline.values)} baseline`);
  const migrateBaseline = await accounted(
    'baseline migrate+confirm',
    () =>
      sequential(bench, 'baseline migrate+confirm', migrations(createBaseline.values), (i) =>
        bench.baselineMigrate(createBaseline.values[i]!.id, createBaseline.values[i]!.host),
      ),
    count,
  );
  await audit('after the sequential creates and migrations');

  log(`throughput: create+delete pairs at concurrency ${THROUGHPUT_CONCURRENCY} for ${opts.seconds} s (ours)`);
  const throughputOurs = await accounted(
    'create+delete pair (API)',
    () =>
      closedLoop(bench, 'create+delete (API)', THROUGHPUT_CONCURRENCY, opts.seconds, (l, i) =>
        bench.ourCreateDeletePair(`bench-tp-${l}-${i}`),
      ),
    (r) => r.count,
  );
  await audit('after the create+delete throughput run');
  log(`throughput: baseline for ${opts.seconds} s`);
  const throughputBaseline = await accounted(
    'baseline create+delete pair',
    () =>
      closedLoop(bench, 'baseline create+delete', THROUGHPUT_CONCURRENCY, opts.seconds, async () => {
        const id = bench.baselineId();
        const host = bench.nextHost();
        await bench.baselineCreate(id, host);
        await bench.baselineDelete(id, host);
      }),
    (r) => r.count,
  );

  const active = await stack.sql<{ uuid: string }[]>`
    SELECT uuid FROM instances WHERE NOT deleted AND vm_state = 'active' AND task_state IS NULL
    ORDER BY created_at LIMIT ${opts.connections}`;
  const acceptIds = active.map((r) => r.uuid);
  if (acceptIds.length < opts.connections) {
    log(`creating ${opts.connections - acceptIds.length} more servers for the accept run`);
    const missing = Array.from({ length: opts.connections - acceptIds.length }, (_, i) => i);
    await forEachConcurrently(missing, THROUGHPUT_CONCURRENCY, async (i) => {
      const created = await bench.attempt('accept setup', () => bench.ourCreateViaApi(`bench-accept-${i}`));
      if (created) acceptIds.push(created.value.id);
    });
  }
  log(`API accept: os-stop / os-start at ${acceptIds.length} concurrent connections for ${opts.apiSeconds} s`);
  const acceptOurs: number[] = [];
  await accounted(
    'os-stop or os-start (API)',
    () =>
      closedLoop(bench, 'os-stop/os-start (API)', acceptIds.length, opts.apiSeconds, async (loop) => {
        const id = acceptIds[loop]!;
        for (const action of ['os-stop', 'os-start']) {
          const t = performance.now();
          await bench.api.action(id, { [action]: null }, 202);
          acceptOurs.push(performance.now() - t);
          await bench.ourHandle(id).result();
        }
      }),
    () => acceptOurs.length,
  );
  log(`API accept: baseline update-with-start accept at ${acceptIds.length} concurrent callers`);
  const acceptBaseline: number[] = [];
  await accounted(
    'baseline stop',
    () =>
      closedLoop(bench, 'baseline stop accept', acceptIds.length, opts.apiSeconds, async (loop) => {
        const t = performance.now();
        const workflowId = `${stack.baselineSettings.queuePrefix}accept-${loop}`;
        const handle = await bench.baselineStopAccepted(workflowId, stack.hosts[loop % stack.hosts.length]!);
        acceptBaseline.push(performance.now() - t);
        await handle.result();
      }),
    () => acceptBaseline.length,
  );
  await audit('after the accept run');

  log('reading histories: where the time goes');
  const breakdown = await breakdownByType(stack.client, [
    ...createClient.values.map((uuid) => instanceWorkflowId(stack.settings.queuePrefix, uuid)),
    ...createBaseline.values.map((v) => v.id),
  ]);

  log(`deleting the ${bench.instances.size} servers left`);
  await forEachConcurrently([...bench.instances], THROUGHPUT_CONCURRENCY, async (id) => {
    await bench.attempt('cleanup delete (API)', () => bench.ourDeleteViaApi(id));
  });
  await audit('at the end, every server deleted');

  return {
    createApi: createApi.samples,
    createApiAccept: createApi.values.map((v) => v.acceptMs),
    createClient: createClient.samples,
    createBaseline: createBaseline.samples,
    migrateApi: migrateApi.samples,
    migrateClient: migrateClient.samples,
    migrateBaseline: migrateBaseline.samples,
    throughputOurs,
    throughputBaseline,
    acceptOurs,
    acceptBaseline,
    breakdown,
    cpu,
    audits,
  };
}

/** What a reader must know to read the table right, derived from this run's own numbers. */
function notesOf(m: Measured): string[] {
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
  return notes;
}

function rowsOf(m: Measured, opts: Options): Row[] {
  const rows: Row[] = [];
  const latency = (what: string, ours: number[], baseline: number[]) => {
    const o = distribution(ours);
    const b = distribution(baseline);
    for (const p of ['p50', 'p95', 'p99'] as const) rows.push(latencyRow(`${what} ${p}`, o[p], b[p]));
  };
  latency(`create, API POST→ACTIVE (poll ${POLL_MS} ms)`, m.createApi, m.createBaseline);
  latency('create, client start→result', m.createClient, m.createBaseline);
  latency('cold migrate+confirm, API', m.migrateApi, m.migrateBaseline);
  latency('cold migrate+confirm, client', m.migrateClient, m.migrateBaseline);
  rows.push(
    throughputRow(
      `create+delete pairs/s, concurrency ${THROUGHPUT_CONCURRENCY}`,
      m.throughputOurs.perSecond,
      m.throughputBaseline.perSecond,
    ),
  );
  const accept = distribution(m.acceptOurs);
  const acceptBase = distribution(m.acceptBaseline);
  const conns = `${opts.connections} conns`;
  rows.push(absoluteRow(`action accept p50 (os-stop/os-start, ${conns})`, accept.p50, acceptBase.p50, '', null));
  rows.push(
    absoluteRow(
      `action accept p99 (os-stop/os-start, ${conns})`,
      accept.p99,
      acceptBase.p99,
      '≤ 50 ms (at 100 conns)',
      accept.p99 <= 50,
    ),
  );
  return rows;
}

interface Checks {
  passed: boolean;
  problems: string[];
}

async function check(stack: BenchStack, bench: Bench, m: Measured | undefined, error: unknown): Promise<Checks> {
  const problems: string[] = [];
  if (error !== undefined) problems.push(`the run stopped: ${error instanceof Error ? error.message : String(error)}`);
  for (const f of bench.failures) problems.push(`operation failed in ${f.phase}: ${f.error}`);
  for (const { when, audit } of m?.audits ?? []) {
    for (const h of audit.overcommitted_hosts) {
      problems.push(`over-commit ${when}: ${h.host} ${h.resource} ${h.used} > ${h.usable}`);
    }
    for (const a of audit.orphaned_allocations) {
      problems.push(`orphaned allocation ${when}: ${a.consumer_uuid} on ${a.host} (${a.reason})`);
    }
    for (const a of audit.missing_allocations) {
      problems.push(`instance without its claim ${when}: ${a.instance_uuid} on ${a.host}`);
    }
  }
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

function environment(stack: BenchStack): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit: tryCommand('git', ['rev-parse', '--short', 'HEAD']),
    uncommittedChanges: (tryCommand('git', ['status', '--porcelain']) ?? '').length > 0,
    node: process.version,
    temporalCli: tryCommand(path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal'), ['--version']),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    temporalServer: stack.ownTemporal
      ? 'own dev server (in memory, stock dynamic config)'
      : `existing server at ${process.env['BENCH_TEMPORAL_ADDRESS']} (its CPU is not counted)`,
    hosts: stack.hosts.length,
    workerSettings: stack.workerSettings,
    startupMs: Math.round(stack.startupMs),
  };
}

function markdown(
  env: Record<string, unknown>,
  opts: Options,
  rows: Row[],
  m: Measured | undefined,
  checks: Checks,
): string {
  const t = m?.throughputOurs;
  const tb = m?.throughputBaseline;
  const lines = [
    '# Benchmark: our operations vs raw Temporal (same run)',
    '',
    `${env['date']} · commit ${env['commit']}${env['uncommittedChanges'] ? ' (with uncommitted changes)' : ''} · ` +
      `${env['cpus']} × ${env['cpuModel']} · ${env['memoryGiB']} GiB · Node ${env['node']} · ${env['temporalCli']}`,
    '',
    `Options: --n ${opts.n} --n-migrate ${opts.nMigrate} --seconds ${opts.seconds} --api-seconds ${opts.apiSeconds} ` +
      `--connections ${opts.connections} --warmup ${opts.warmup}; ${env['hosts']} in-process compute hosts; ` +
      `Temporal: ${env['temporalServer']}.`,
    '',
    markdownTable(rows),
    '',
    ...(m ? notesOf(m).map((n) => `> ${n}\n`) : []),
    `Checks: ${checks.passed ? 'passed' : 'FAILED'}${checks.problems.map((p) => `\n- ${p}`).join('')}`,
    '',
  ];
  if (m && t && tb) {
    lines.push(
      `Throughput: ours ${t.count} pairs in ${(t.elapsedMs / 1000).toFixed(1)} s, baseline ${tb.count} pairs in ` +
        `${(tb.elapsedMs / 1000).toFixed(1)} s. Create accept (POST → 202) p50 ` +
        `${distribution(m.createApiAccept).p50.toFixed(1)} ms, p99 ${distribution(m.createApiAccept).p99.toFixed(1)} ms.`,
      '',
      '## Where the time goes (means per run, from the histories of the servers created through the client)',
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
  }
  lines.push(
    '## Method',
    '',
    '- One process: embedded PostgreSQL and an in-memory Temporal dev server on free loopback ports, the conductor',
    '  worker, the compute hosts and the API (ephemeral port), and beside them the baseline workers, which copy the',
    "  conductor's and the compute hosts' worker settings and serve their own queues (`bench…-baseline-…`).",
    '- Baseline: raw workflows (bench/baseline-workflows.ts) with the same activities in the same order on the same',
    '  queues shape (conductor / compute host), with our activity options, no-op activities, started by',
    '  update-with-start with an `admission` update; migrate+confirm sends its confirm update at once.',
    '- "API" rows: HTTP through fetch, POST then GET /servers/{id} every 20 ms until the state shows (the polling',
    "  adds up to 20 ms, and its requests load the same process). The state shows with the conductor's last write,",
    '  one workflow task before the run closes. "client" rows: the API\'s own Operations.start (update-with-start)',
    '  then the workflow result.',
    '- Throughput: create through the API, wait for the workflow result, DELETE, wait for the result; 10 loops.',
    '- Action accept: each connection stops and starts its own server (POST → 202), waiting for each operation to',
    '  finish; the baseline is update-with-start of a stop-shaped raw workflow until its admission answers.',
    "- Where the time goes: event times of the runs' histories (server clock). Activity queue = scheduled → started,",
    '  exec = started → completed, workflow tasks = scheduled → completed (count in parentheses), other = the rest.',
    '- CPU: this process (all threads) from process.cpuUsage(), the Temporal server and PostgreSQL from /proc, over',
    "  each phase divided by its operations. The idle row is the idle system's CPU per second (pollers, host",
    '  reports, housekeeping); the phases include that background.',
    '- Percentiles are nearest-rank. Timings are reported, never asserted; the checks are.',
    '',
  );
  return lines.join('\n');
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

async function main(): Promise<void> {
  const opts = options();
  const stack = await startBenchStack({ hosts: HOSTS, log });
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
  process.on('SIGINT', () => abandon('interrupted: stopping', 130));
  process.on('SIGTERM', () => abandon('terminated: stopping', 143));

  let exitCode = 1;
  try {
    const bench = await Bench.create(stack);
    let measured: Measured | undefined;
    let error: unknown;
    try {
      measured = await Promise.race([measure(stack, opts, bench), stack.workerFailure]);
    } catch (err) {
      error = err;
    }
    const checks = await check(stack, bench, measured, error);
    const env = environment(stack);
    const rows = measured ? rowsOf(measured, opts) : [];

    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const dist = (s: number[]): Distribution & { samples: number[] } => ({
      ...distribution(s),
      samples: s.map((v) => Math.round(v * 10) / 10),
    });
    const json = {
      environment: env,
      options: opts,
      rows,
      checks,
      failures: bench.failures,
      ...(measured && {
        latencies: {
          createApi: dist(measured.createApi),
          createApiAccept: dist(measured.createApiAccept),
          createClient: dist(measured.createClient),
          createBaseline: dist(measured.createBaseline),
          migrateApi: dist(measured.migrateApi),
          migrateClient: dist(measured.migrateClient),
          migrateBaseline: dist(measured.migrateBaseline),
          acceptOurs: dist(measured.acceptOurs),
          acceptBaseline: dist(measured.acceptBaseline),
        },
        throughput: {
          ours: { ...measured.throughputOurs, samples: undefined, pairLatency: dist(measured.throughputOurs.samples) },
          baseline: {
            ...measured.throughputBaseline,
            samples: undefined,
            pairLatency: dist(measured.throughputBaseline.samples),
          },
        },
        breakdown: measured.breakdown,
        cpu: measured.cpu,
        audits: measured.audits,
      }),
    };
    writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(path.join(dir, 'latest.md'), await formatted(markdown(env, opts, rows, measured, checks)));

    process.stdout.write(`\n${textTable(rows)}\n\n`);
    for (const note of measured ? notesOf(measured) : []) process.stdout.write(`note: ${note}\n\n`);
    if (measured) {
      process.stdout.write(`where the time goes (means per run, from histories):\n`);
      process.stdout.write(`${breakdownTable(measured.breakdown, false)}\n`);
      for (const b of measured.breakdown) {
        process.stdout.write(`  ${b.workflowType}: slowest ${slowestActivities(b, 4)}\n`);
      }
      process.stdout.write(`\n${cpuTable(measured.cpu, false)}\n\n`);
    }
    process.stdout.write(
      checks.passed
        ? 'checks passed: every operation succeeded, no over-commit, no leaked or missing claims\n'
        : `checks FAILED:\n${checks.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    process.stdout.write(`results: ${path.relative(process.cwd(), dir)}/latest.{json,md}\n`);
    exitCode = checks.passed ? 0 : 1;
  } finally {
    if (!stopping) {
      stopping = true;
      log('stopping the stack');
      await stack.stop();
    }
  }
  process.exit(exitCode);
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
