import path from 'node:path';

const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

/** Applies pending schema migrations with ley (the migration tool), using the `postgres` driver. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const url = new URL(databaseUrl);
  const ley = require('ley') as { up(opts: Record<string, unknown>): Promise<string[]> };
  return ley.up({
    cwd: path.dirname(MIGRATIONS_DIR),
    dir: path.basename(MIGRATIONS_DIR),
    driver: 'postgres',
    config: {
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)),
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl: url.searchParams.get('sslmode') === 'require' ? 'require' : undefined,
    },
  });
}
