import path from 'node:path';
import { parseArgs } from 'node:util';

export interface Options {
  /** Sequential creates per variant (API, client, baseline). */
  n: number;
  /** Each move, resize, shelve cycle and snapshot per variant. */
  nOps: number;
  /** Seconds of each throughput run. */
  seconds: number;
  concurrencies: number[];
  /** Also run the lowest concurrency with a second conductor worker process. */
  twoConductors: boolean;
  apiSeconds: number;
  connections: number;
  /**
   * Rounds of create, cold migrate, shelve → unshelve and createImage, each side, before anything is measured: ours
   * runs far more code than the baseline's no-ops, and V8 compiles it while it runs the first few.
   */
  warmup: number;
  /** Seeded servers for the list, spread over `seedHosts` seeded hosts (the scheduler's hosts too). */
  listInstances: number;
  seedHosts: number;
  listRequests: number;
  listConcurrency: number;
  schedulerRequests: number;
  schedulerConcurrency: number;
  /** Seconds; undefined: the configured default (NOVA_COMPUTE_HEARTBEAT_TIMEOUT_S). */
  heartbeatTimeoutS: number | undefined;
  out: string;
}

const SPEC = {
  n: { type: 'string', default: '30' },
  'n-ops': { type: 'string', default: '10' },
  seconds: { type: 'string', default: '20' },
  concurrency: { type: 'string', default: '10,50' },
  'two-conductors': { type: 'string', default: 'yes' },
  'api-seconds': { type: 'string', default: '10' },
  connections: { type: 'string', default: '100' },
  warmup: { type: 'string', default: '3' },
  'list-instances': { type: 'string', default: '10000' },
  'seed-hosts': { type: 'string', default: '1000' },
  'list-requests': { type: 'string', default: '40' },
  'list-concurrency': { type: 'string', default: '100' },
  'scheduler-requests': { type: 'string', default: '300' },
  'scheduler-concurrency': { type: 'string', default: '50' },
  'heartbeat-timeout': { type: 'string' },
  out: { type: 'string', default: path.join(__dirname, 'results') },
} as const;

/** `npm run bench -- --n 30 --n-ops 10 ...`; every option has a default (the full run). */
export function parseOptions(argv: string[] = process.argv.slice(2)): Options {
  const { values: v } = parseArgs({ args: argv, options: SPEC });
  const num = (name: keyof typeof SPEC, min: number, integer = true): number => {
    const n = Number(v[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return integer ? Math.floor(n) : n;
  };
  const concurrencies = String(v.concurrency)
    .split(',')
    .map((c) => Number(c));
  if (concurrencies.some((c) => !Number.isInteger(c) || c < 1))
    throw new Error('--concurrency: integers ≥ 1, comma-separated');
  if (!['yes', 'no'].includes(String(v['two-conductors']))) throw new Error('--two-conductors must be yes or no');
  return {
    n: num('n', 1),
    nOps: num('n-ops', 1),
    seconds: num('seconds', 0.5, false),
    concurrencies,
    twoConductors: v['two-conductors'] === 'yes',
    apiSeconds: num('api-seconds', 0.5, false),
    connections: num('connections', 1),
    warmup: num('warmup', 0),
    listInstances: num('list-instances', 1),
    seedHosts: num('seed-hosts', 1),
    listRequests: num('list-requests', 1),
    listConcurrency: num('list-concurrency', 1),
    schedulerRequests: num('scheduler-requests', 1),
    schedulerConcurrency: num('scheduler-concurrency', 1),
    heartbeatTimeoutS: v['heartbeat-timeout'] === undefined ? undefined : num('heartbeat-timeout', 1),
    out: path.resolve(String(v.out)),
  };
}

/** The options as a command line, for the report. */
export function commandLine(o: Options): string {
  return [
    `--n ${o.n} --n-ops ${o.nOps} --seconds ${o.seconds} --concurrency ${o.concurrencies.join(',')}`,
    `--two-conductors ${o.twoConductors ? 'yes' : 'no'} --api-seconds ${o.apiSeconds} --connections ${o.connections}`,
    `--warmup ${o.warmup} --list-instances ${o.listInstances} --seed-hosts ${o.seedHosts}`,
    `--list-requests ${o.listRequests} --list-concurrency ${o.listConcurrency}`,
    `--scheduler-requests ${o.schedulerRequests} --scheduler-concurrency ${o.schedulerConcurrency}`,
    o.heartbeatTimeoutS === undefined ? '' : `--heartbeat-timeout ${o.heartbeatTimeoutS}`,
  ]
    .filter(Boolean)
    .join(' ');
}
