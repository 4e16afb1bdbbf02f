/**
 * `npm run chaos`: the whole system as separate processes on loopback, a random mix of every operation while
 * processes are killed by PID and fault switches flip, then a drain and an audit. Prints the report (also written
 * to `<run dir>/report.md`); exits 1 when any lost / stuck / leaked / corrupted / ... count is not 0, 2 on a
 * harness error.
 *
 *   npm run chaos -- --seed 7 --minutes 15 --concurrency 4
 */
import { writeFileSync } from 'node:fs';
import { parseChaosOptions } from './options';
import { failed, renderReport } from './report';
import { runChaos } from './run';

/** A run that takes this much longer than asked has hung in the harness itself. */
const HARD_LIMIT_SLACK_MS = 10 * 60_000;

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parseChaosOptions(argv);
  const command = `npm run chaos -- ${argv.join(' ')}`.trim();
  const limit = options.minutes * 60_000 + options.drainMs + HARD_LIMIT_SLACK_MS;
  const timer = setTimeout(() => {
    process.stderr.write(`chaos: no result after ${limit / 60_000} minutes; giving up\n`);
    process.exit(2);
  }, limit);
  timer.unref();
  const result = await runChaos(options, command, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`\n${renderReport(result)}`);
  if (options.jsonFile) writeFileSync(options.jsonFile, JSON.stringify(result, null, 1));
  return failed(result) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
