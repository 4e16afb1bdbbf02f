import type { ChildProcess } from 'node:child_process';
import { spawnEntryPoint } from '../../worker/infra/processes';
import { stopChild } from '../../worker/infra/temporal-server';
import type { TestStack } from './test-stack';

export type Role = 'conductor' | 'compute';

export interface ProcessSpec {
  role: Role;
  /** Host name for compute processes. */
  host?: string;
  env?: Record<string, string>;
}

/**
 * The system's processes started as `npm start` starts them (own Node processes, compute without database
 * settings), so tests can kill -9 them by name at any step and start them again.
 */
export class TestProcesses {
  private readonly running = new Map<string, ChildProcess>();
  private readonly specs = new Map<string, ProcessSpec>();

  constructor(private readonly stack: TestStack) {}

  start(name: string, spec: ProcessSpec): ChildProcess {
    this.specs.set(name, spec);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      TEMPORAL_ADDRESS: this.stack.temporalAddress,
      NOVA_QUEUE_PREFIX: this.stack.prefix,
      NOVA_DATA_DIR: this.stack.dataDir,
      NOVA_COMPUTE_REPORT_INTERVAL_S: '2',
      LOG_LEVEL: 'warn',
      ...spec.env,
    };
    if (spec.role === 'conductor') {
      env['DATABASE_URL'] = this.stack.databaseUrl;
      env['NOVA_WORKFLOW_BUNDLE'] = process.env['NOVA_TEST_WORKFLOW_BUNDLE'];
    } else {
      env['NOVA_COMPUTE_HOST'] = spec.host;
    }
    const child = spawnEntryPoint(spec.role, env, 'ignore');
    this.running.set(name, child);
    return child;
  }

  /** SIGKILL: no graceful shutdown, no chance to report anything. */
  async kill(name: string): Promise<void> {
    const child = this.running.get(name);
    if (!child) return;
    this.running.delete(name);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  restart(name: string): ChildProcess {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`no process named ${name}`);
    return this.start(name, spec);
  }

  /** True while the named process runs (it has not exited or been killed since it was last started). */
  alive(name: string): boolean {
    const child = this.running.get(name);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  pid(name: string): number | undefined {
    return this.running.get(name)?.pid;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((c) => stopChild(c)));
    this.running.clear();
  }
}
