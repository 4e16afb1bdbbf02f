import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../worker/infra/ports';
import { stopChild } from '../worker/infra/temporal-server';

export type ServiceKind = 'postgres' | 'temporal' | 'conductor' | 'compute' | 'api';

/** One process of the system: how to start it (output to its log file) and how to tell it is ready. */
export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  spawn(logFd: number): ChildProcess;
  ready(): Promise<boolean>;
}

/** A process that ended without being killed or stopped by the harness. */
export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: string | null;
  atMs: number;
}

interface Running {
  spec: ServiceSpec;
  child: ChildProcess;
  /** Starting (an exit is retried by start), up, or killed or stopped by the harness (an exit is expected). */
  state: 'starting' | 'up' | 'ended';
}

// Generous: on a loaded 2-core machine tsx alone can take a minute to load an entry point.
const START_TIMEOUT_MS = 300_000;
const RESTART_DELAY_MS = 1000;

/**
 * Owns every process of the system under test: each writes to `<runDir>/logs/<name>.log`, is killed with SIGKILL
 * by its own PID when the fault injector says so, and is started again on request. A process that dies on its own
 * is recorded and restarted, as `npm start` would.
 */
export class Supervisor {
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly running = new Map<string, Running>();
  private readonly specs = new Map<string, ServiceSpec>();
  private readonly logFds = new Map<string, number>();
  private stopping = false;

  constructor(
    private readonly logDir: string,
    private readonly began = Date.now(),
  ) {
    mkdirSync(logDir, { recursive: true });
    // Whatever ends the harness (a hard limit, Ctrl-C), none of its processes outlive it.
    process.once('exit', () => {
      for (const entry of this.running.values()) entry.child.kill('SIGKILL');
    });
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  names(kind?: ServiceKind): string[] {
    return [...this.specs.values()].filter((s) => kind === undefined || s.kind === kind).map((s) => s.name);
  }

  pid(name: string): number | undefined {
    return this.running.get(name)?.child.pid;
  }

  /** Starts a process and waits until it is ready; a process that exits while starting is started again. */
  async start(spec: ServiceSpec): Promise<void> {
    this.specs.set(spec.name, spec);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const entry = this.spawn(spec);
      const child = entry.child;
      const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
      const ready = waitFor(`${spec.name} to be ready`, spec.ready, Math.max(1000, deadline - Date.now()));
      const outcome = await Promise.race([ready.then(() => 'ready' as const), exited]);
      if (outcome === 'ready') {
        entry.state = 'up';
        return;
      }
      // PostgreSQL refuses to start while the killed server's backends still hold its shared memory: try again.
      if (Date.now() > deadline)
        throw new Error(`${spec.name} kept exiting during start-up (see ${this.logFile(spec.name)})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** kill -9 by PID; resolves with the PID once the process has exited. */
  async kill(name: string): Promise<number> {
    const entry = this.running.get(name);
    if (!entry?.child.pid) throw new Error(`${name} is not running`);
    entry.state = 'ended';
    const pid = entry.child.pid;
    const exited = new Promise((resolve) => entry.child.once('exit', resolve));
    if (entry.child.exitCode === null && entry.child.signalCode === null) process.kill(pid, 'SIGKILL');
    await exited;
    return pid;
  }

  async restart(name: string): Promise<void> {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`no service named ${name}`);
    await this.start(spec);
  }

  /** Graceful stop of everything, in the reverse order of start. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const entry of [...this.running.values()].reverse()) {
      entry.state = 'ended';
      await stopChild(entry.child, 5000);
    }
    this.running.clear();
    for (const fd of this.logFds.values()) closeSync(fd);
    this.logFds.clear();
  }

  private spawn(spec: ServiceSpec): Running {
    let fd = this.logFds.get(spec.name);
    if (fd === undefined) {
      fd = openSync(this.logFile(spec.name), 'a');
      this.logFds.set(spec.name, fd);
    }
    const child = spec.spawn(fd);
    const entry: Running = { spec, child, state: 'starting' };
    this.running.set(spec.name, entry);
    child.once('exit', (code, signal) => {
      if (this.running.get(spec.name) === entry) this.running.delete(spec.name);
      if (entry.state !== 'up' || this.stopping) return;
      this.unexpectedExits.push({ name: spec.name, code, signal, atMs: Date.now() - this.began });
      setTimeout(() => {
        if (!this.stopping && !this.running.has(spec.name)) this.start(spec).catch(() => undefined);
      }, RESTART_DELAY_MS);
    });
    return entry;
  }
}
