import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PROJECT_ROOT } from '../worker/infra/temporal-server';

/** What one chaos run does; every random choice derives from `seed`, so a run's choices repeat. */
export interface ChaosOptions {
  seed: number;
  /** How long the workload and the fault injector run, before the drain and the audit. */
  minutes: number;
  /** At most this many workload requests. */
  ops: number;
  /** Workload requests in flight at once. */
  concurrency: number;
  hosts: number;
  conductors: number;
  /** Servers created before the mix starts, and kept around that size. */
  pool: number;
  /** Mean pause between two faults. */
  faultIntervalMs: number;
  /** How long the drain may take before what still runs counts as stuck. */
  drainMs: number;
  /** Where logs, data and the report go. */
  runDir: string;
  /** Also write the result as JSON here. */
  jsonFile?: string | undefined;
}

const schema = z.object({
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  minutes: z.coerce
    .number()
    .positive()
    .max(24 * 60),
  ops: z.coerce.number().int().min(1),
  concurrency: z.coerce.number().int().min(1).max(64),
  hosts: z.coerce.number().int().min(2).max(16),
  conductors: z.coerce.number().int().min(1).max(8),
  pool: z.coerce.number().int().min(1).max(200),
  'fault-interval-s': z.coerce.number().positive(),
  'drain-minutes': z.coerce.number().positive(),
  dir: z.string().optional(),
  json: z.string().optional(),
});

export const USAGE = `npm run chaos -- [--seed N] [--minutes M] [--ops N] [--concurrency N] [--hosts N]
  [--conductors N] [--pool N] [--fault-interval-s S] [--drain-minutes M] [--dir DIR] [--json FILE]`;

/** Parses the command line; unknown flags and bad values throw with the flag named. */
export function parseChaosOptions(argv: string[], now = new Date()): ChaosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: String(Math.floor(Math.random() * 1_000_000)) },
      minutes: { type: 'string', default: '5' },
      ops: { type: 'string', default: '100000' },
      concurrency: { type: 'string', default: '4' },
      hosts: { type: 'string', default: '3' },
      conductors: { type: 'string', default: '2' },
      pool: { type: 'string', default: '8' },
      'fault-interval-s': { type: 'string', default: '15' },
      'drain-minutes': { type: 'string', default: '4' },
      dir: { type: 'string' },
      json: { type: 'string' },
    },
    strict: true,
  });
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--${String(issue.path[0])}: ${issue.message}\n${USAGE}`);
  }
  const o = parsed.data;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return {
    seed: o.seed,
    minutes: o.minutes,
    ops: o.ops,
    concurrency: o.concurrency,
    hosts: o.hosts,
    conductors: o.conductors,
    pool: o.pool,
    faultIntervalMs: o['fault-interval-s'] * 1000,
    drainMs: o['drain-minutes'] * 60_000,
    runDir: path.resolve(o.dir ?? path.join(PROJECT_ROOT, 'data', 'chaos', `${stamp}-seed-${o.seed}`)),
    jsonFile: o.json,
  };
}
