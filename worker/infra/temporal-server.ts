import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { waitFor } from './ports';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal');

/** Installs the Temporal CLI into .tools/ when it is missing (scripts/install-temporal.sh). */
export function ensureTemporalCli(): string {
  if (!existsSync(CLI)) {
    const result = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh')], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error('installing the Temporal CLI failed');
  }
  return CLI;
}

export interface DevServerOptions {
  port: number;
  /** Web UI port; no UI when absent. */
  uiPort?: number;
  /** SQLite file; in memory when absent. */
  dbFile?: string;
  ip?: string;
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The command line of `temporal server start-dev` for these options (loopback, update APIs on, tuned for one machine). */
export function devServerArgs(opts: DevServerOptions): string[] {
  const ip = opts.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port), '--log-level', 'error'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', ip);
  else args.push('--headless');
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) {
    args.push('--dynamic-config-value', `${key}=${value}`);
  }
  // Defined before any service reads them, so the servers' search attribute caches never hold a set without them.
  for (const key of CUSTOM_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  return args;
}

/**
 * The dev server's stock limits are a production cluster's: its one history shard reads the transfer and timer
 * queues at most 20 times a second and each task queue has 4 partitions, so every activity and workflow task waited
 * 25-40 ms for dispatch. One machine with one shard wants a read as soon as a task is written and one partition
 * (sync match to the poller already waiting): operations run ~3x faster at the same CPU.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'frontend.enableUpdateWorkflowExecution': true,
  'frontend.enableExecuteMultiOperation': true,
  'history.transferProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollRPS': 1000,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  // The dev server reads the search attribute definitions from its store on every use unless told otherwise: three
  // store reads for each search attribute upsert of every workflow task. The attributes are defined at start
  // (devServerArgs), so the servers' caches (refreshed every minute) always know them.
  'system.forceSearchAttributesCacheRefreshOnRead': false,
};

/** Whether the Temporal frontend at `address` answers a real call. */
export async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } finally {
    await connection.close();
  }
}

/** Starts `temporal server start-dev` and waits until its frontend answers a real call. */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = ensureTemporalCli();
  const args = devServerArgs(opts);
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const address = `${opts.ip ?? '127.0.0.1'}:${opts.port}`;
  // waitFor treats a failed probe as "not yet": a server that exits (port taken, bad flag) must end the wait.
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the Temporal dev server exited during start-up (code ${code})`))),
  );
  const ready = waitFor('the Temporal dev server', () => temporalAnswers(address));
  await Promise.race([ready, exited]);
  exited.catch(() => undefined); // a later exit (stop) is expected, not an error
  return {
    address,
    process: child,
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
