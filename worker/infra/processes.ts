import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './temporal-server';

/** Environment variables that carry database access; stripped from every compute host's environment. */
export const DATABASE_ENV = ['DATABASE_URL', 'PGPASSWORD', 'PGUSER', 'PGHOST', 'PGDATABASE', 'PGPORT'];

export function withoutDatabaseEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...env };
  for (const name of DATABASE_ENV) delete clean[name];
  return clean;
}

/**
 * Starts one of the worker/ entry points (api, conductor, compute) as its own Node process, via tsx. Output goes
 * to this process's, nowhere, or an open file descriptor (a log file).
 */
export function spawnEntryPoint(
  entry: 'api' | 'conductor' | 'compute',
  env: NodeJS.ProcessEnv,
  stdio: 'inherit' | 'ignore' | number = 'inherit',
): ChildProcess {
  const file = path.join(PROJECT_ROOT, 'worker', `${entry}.ts`);
  const childEnv = entry === 'compute' ? withoutDatabaseEnv(env) : env;
  return spawn(process.execPath, ['--import', 'tsx', file], { env: childEnv, stdio: ['ignore', stdio, stdio] });
}
