import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../worker/infra/temporal-server';

// `npm run bench` in a tiny configuration, on this run's Temporal server, so the benchmark cannot rot. What it
// asserts is the benchmark's own checks and the presence of every measure; never a timing.
const TINY = [
  ['--n', '2'],
  ['--n-ops', '1'],
  ['--seconds', '1'],
  ['--concurrency', '2,3'],
  ['--two-conductors', 'yes'],
  ['--api-seconds', '1'],
  ['--connections', '3'],
  ['--warmup', '0'],
  ['--list-instances', '200'],
  ['--seed-hosts', '20'],
  ['--list-requests', '2'],
  ['--list-concurrency', '2'],
  ['--scheduler-requests', '20'],
  ['--scheduler-concurrency', '10'],
  ['--heartbeat-timeout', '3'],
].flat();

interface BenchJson {
  checks: { passed: boolean; problems: string[] };
  failures: unknown[];
  rows: { measure: string; ours: number }[];
  shapes: { workflow: string; ours: string[]; baseline: string[] }[];
  scheduler: { overcommitted: unknown[]; unplaced: number; single: { n: number }; concurrent: { n: number } };
  list: {
    instances: number;
    filters: { filter: string; servers: number }[];
    pageConcurrent: { n: number };
    ownPageConcurrent: { n: number };
  };
  recovery: { heartbeatTimeoutMs: number };
  pacedAccept: { perSecond: number; ours: { n: number }; baseline: { n: number } };
}

let out: string;
let exitCode: number | null;
let output = '';

beforeAll(async () => {
  out = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'run.ts'), ...TINY, '--out', out],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BENCH_TEMPORAL_ADDRESS: process.env['TEMPORAL_ADDRESS'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  exitCode = await new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}, 900_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

function results(): BenchJson {
  return JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as BenchJson;
}

describe('npm run bench, tiny', () => {
  it('passes its own checks: every operation succeeded, no over-commit, no leaked claims, same shapes', () => {
    const json = results();
    expect({ exitCode, problems: json.checks.problems }).toEqual({ exitCode: 0, problems: [] });
    expect(json.checks.passed).toBe(true);
    expect(json.failures).toEqual([]);
    expect(output).toContain('checks passed');
  });

  it('measures every operation next to its baseline, with the same activities in the same order', () => {
    const json = results();
    for (const what of [
      'create, client',
      'cold migrate+confirm, client',
      'resize+confirm',
      'shelve→offload→unshelve',
    ]) {
      expect(json.rows.filter((r) => r.measure.startsWith(what)).map((r) => r.measure.slice(-3))).toEqual([
        'p50',
        'p95',
        'p99',
      ]);
    }
    expect(json.rows.filter((r) => r.measure.startsWith('createImage'))).toHaveLength(3);
    expect(json.shapes.map((s) => s.workflow)).toEqual([
      'createServerWorkflow',
      'resizeServerWorkflow',
      'shelveServerWorkflow',
      'unshelveServerWorkflow',
      'snapshotServerWorkflow',
    ]);
    for (const s of json.shapes) {
      expect(s.ours.length).toBeGreaterThan(2);
      expect(s.baseline).toEqual(s.ours);
    }
    // Conductor steps run as local activities (their markers), hypervisor steps on the host's queue.
    expect(json.shapes[0]!.ours).toEqual([
      'admitCreate@local',
      'selectAndClaim@local',
      'advanceTask@local',
      'spawn@compute',
      'finishTask@local',
    ]);
  });

  it('reports throughput per concurrency and with two conductors, the API, the scheduler and recovery', () => {
    const json = results();
    const measures = json.rows.map((r) => r.measure);
    expect(measures).toEqual(
      expect.arrayContaining([
        'create+delete pairs/s, concurrency 2',
        'create+delete pairs/s, concurrency 3',
        '… pairs/s vs the queued-steps baseline, concurrency 2',
        '… create, client p50, vs the queued-steps baseline',
        '… cold migrate+confirm, client p50, vs the queued-steps baseline',
        '… resize+confirm p50, vs the queued-steps baseline',
        '… shelve→offload→unshelve p50, vs the queued-steps baseline',
        '… createImage p50, vs the queued-steps baseline',
        '… with 2 conductor workers (vs 1), concurrency 2',
        'action accept p99 (os-stop/os-start, 3 conns)',
        'servers/detail?limit=1000 p99 (200 servers, 1 conn)',
        'servers/detail?limit=1000 p99 (2 conns, the same page)',
        '… p99 (2 conns, each its own page: nothing shared)',
        'select + claim p99 (10 concurrent)',
        'recovery: kill -9 → next step recorded',
      ]),
    );
    expect(measures.some((m) => /^select \+ claim p99 \(2\d hosts, one at a time\)$/.test(m))).toBe(true);
    expect(measures.some((m) => /^… action accept p99, paced at [\d.]+\/s \(half the rate at 3 conns\)$/.test(m))).toBe(
      true,
    );
    expect(json.pacedAccept.ours.n).toBeGreaterThan(0);
    expect(json.pacedAccept.baseline.n).toBeGreaterThan(0);
    for (const row of json.rows) expect(row.ours).toBeGreaterThan(0);
    expect(json.scheduler).toMatchObject({ overcommitted: [], unplaced: 0, single: { n: 20 }, concurrent: { n: 20 } });
    // The page holds the seeded servers and the run's own.
    expect(json.list.filters.find((f) => f.filter === 'none (limit=1000)')?.servers).toBeGreaterThanOrEqual(200);
    // One seeded server in a thousand is locked: the first of the 200.
    expect(json.list.filters.find((f) => f.filter === 'locked')?.servers).toBe(1);
    // Two connections, three rounds each, for the shared page and for pages of their own.
    expect(json.list).toMatchObject({ pageConcurrent: { n: 6 }, ownPageConcurrent: { n: 6 } });
    expect(json.recovery.heartbeatTimeoutMs).toBe(3000);
  });

  it('writes the markdown report with the chart it links', () => {
    const md = readFileSync(path.join(out, 'latest.md'), 'utf8');
    expect(md).toContain('](latest.svg)');
    expect(existsSync(path.join(out, 'latest.svg'))).toBe(true);
    const svg = readFileSync(path.join(out, 'latest.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('shelve→offload→unshelve');
    expect(svg).toContain('ours, 2 conductors, 2');
  });
});
