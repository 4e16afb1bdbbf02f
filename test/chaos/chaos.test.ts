import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChaosResult } from '../../chaos/report';
import { PROJECT_ROOT } from '../../worker/infra/temporal-server';

// The short chaos run of CI: `npm run chaos` with a fixed seed for about two minutes of workload, as its own
// process group so that nothing it started can outlive the test, even when the run hangs.
const HARD_LIMIT_MS = 14 * 60_000;
const ARGS = ['--seed', '42', '--minutes', '2', '--pool', '6', '--concurrency', '3', '--fault-interval-s', '8'];

function runChaos(dir: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'chaos', 'main.ts'),
      ...ARGS,
      '--dir',
      dir,
      '--json',
      path.join(dir, 'result.json'),
    ],
    { cwd: PROJECT_ROOT, detached: true, stdio: 'ignore' },
  );
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), HARD_LIMIT_MS);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
}

it(
  'loses, stalls, leaks and corrupts nothing while processes are killed and fault switches flip',
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nova-chaos-'));
    const code = await runChaos(dir);
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as ChaosResult;
    // Every finding fails the test (the run's report.md, kept with its logs when the test fails, lists them all).
    expect(result.findings.map((f) => `${f.category}: ${f.detail}`)).toEqual([]);
    expect(result.counts).toMatchObject({ unrecovered: 0, crashed: 0 });
    expect(code).toBe(result.findings.length === 0 ? 0 : 1);
    const accepted = result.operations.reduce((sum, [, o]) => sum + o.accepted, 0);
    expect(accepted).toBeGreaterThan(20);
    expect(result.faults.filter((f) => f.kind.startsWith('kill-')).length).toBeGreaterThan(0);
    expect(result.historyRuns).toBeGreaterThan(20);
    rmSync(dir, { recursive: true, force: true }); // kept when the run fails, for its logs
  },
  HARD_LIMIT_MS + 60_000,
);
