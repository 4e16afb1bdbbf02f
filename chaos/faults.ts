import { FaultSwitchFile, HypervisorStep, type FaultSwitch } from '../activities/compute/fault-switches';
import { hostDataDir } from '../worker/compute-worker';
import { evacuateHost } from './evacuation';
import type { OperationContext } from './operations';
import type { Random } from './random';
import { probeRecovery } from './recovery';
import type { ChaosSystem } from './system';
import { pause } from './workload';

export type FaultKind =
  | 'kill-conductor'
  | 'kill-compute'
  | 'kill-temporal'
  | 'kill-postgres'
  | 'kill-api'
  | 'evacuate-host'
  | 'switch-fail'
  | 'switch-abort'
  | 'switch-hang'
  | 'switch-slow';

/** One injected fault; kills and evacuations carry the time until the probe succeeded again. */
export interface FaultRecord {
  kind: FaultKind;
  target: string;
  atMs: number;
  /** The PID killed, for kills. */
  pid?: number | undefined;
  recoveryMs?: number | undefined;
  /** Set when the system did not recover within the probe's timeout. */
  unrecovered?: boolean;
}

const KINDS: readonly { item: FaultKind; weight: number }[] = [
  { item: 'kill-conductor', weight: 3 },
  { item: 'kill-compute', weight: 3 },
  { item: 'kill-temporal', weight: 2 },
  { item: 'kill-postgres', weight: 2 },
  { item: 'kill-api', weight: 2 },
  { item: 'evacuate-host', weight: 1 },
  { item: 'switch-fail', weight: 2 },
  { item: 'switch-abort', weight: 1 },
  { item: 'switch-hang', weight: 2 },
  { item: 'switch-slow', weight: 2 },
];

const STEPS = Object.values(HypervisorStep);

/**
 * Kills processes by their own PIDs and flips fake-hypervisor fault switches, one fault at a time, while the
 * workload runs. After a kill the process is started again (after a short random outage) and the time until a
 * probe server becomes ACTIVE is the recovery time.
 */
export class FaultInjector {
  readonly faults: FaultRecord[] = [];

  constructor(
    private readonly system: ChaosSystem,
    private readonly ctx: OperationContext,
    private readonly random: Random,
    private readonly began: number,
    private readonly created: Set<string>,
  ) {}

  switches(host: string): FaultSwitchFile {
    return FaultSwitchFile.forHostDir(hostDataDir(this.system.dataDir, host));
  }

  async run(until: number, meanIntervalMs: number): Promise<void> {
    // Every kind once before random picks, so even a short run covers them all.
    const queue = [...KINDS.map((k) => k.item)];
    while (Date.now() < until) {
      await pause(this.random.int(meanIntervalMs / 2, (meanIntervalMs * 3) / 2));
      if (Date.now() >= until) break;
      const kind = queue.shift() ?? this.random.weighted(KINDS);
      await this.inject(kind);
    }
  }

  /** Clears every switch (the drain wants the system healthy). */
  async clearSwitches(): Promise<void> {
    for (const host of this.system.hosts) await this.switches(host).clear();
  }

  private async inject(kind: FaultKind): Promise<void> {
    const record: FaultRecord = { kind, target: '', atMs: Date.now() - this.began };
    this.faults.push(record);
    switch (kind) {
      case 'kill-conductor':
      case 'kill-compute':
      case 'kill-temporal':
      case 'kill-postgres':
      case 'kill-api': {
        const role = kind.slice('kill-'.length) as 'conductor' | 'compute' | 'temporal' | 'postgres' | 'api';
        record.target = this.random.pick(this.system.supervisor.names(role));
        await this.killAndRestart(record);
        return;
      }
      case 'evacuate-host': {
        record.target = this.random.pick(this.system.hosts);
        const started = Date.now();
        await evacuateHost(this.system, this.ctx, record.target, this.random);
        await this.measure(record, started);
        return;
      }
      case 'switch-fail':
      case 'switch-abort':
      case 'switch-slow':
      case 'switch-hang':
        await this.flipSwitch(record, kind.slice('switch-'.length) as FaultSwitch['mode']);
        return;
    }
  }

  private async killAndRestart(record: FaultRecord): Promise<void> {
    const started = Date.now();
    record.pid = await this.system.supervisor.kill(record.target);
    await pause(this.random.int(0, 3000)); // the outage
    await this.system.supervisor.restart(record.target);
    await this.measure(record, started);
  }

  private async measure(record: FaultRecord, started: number): Promise<void> {
    const ms = await probeRecovery(this.ctx, started, this.created);
    if (ms === undefined) record.unrecovered = true;
    else record.recoveryMs = ms;
  }

  /** A fault switch on one host and step: fail or abort once or twice, slow steps, or a hang for a while. */
  private async flipSwitch(record: FaultRecord, mode: FaultSwitch['mode']): Promise<void> {
    const host = this.random.pick(this.system.hosts);
    const step = this.random.pick(STEPS);
    record.target = `${host}/${step}`;
    const switches = this.switches(host);
    if (mode === 'hang') {
      await switches.set(step, { mode });
      await pause(this.random.int(3000, 15_000));
      await switches.clear(step);
    } else if (mode === 'slow') {
      await switches.set(step, { mode, delayMs: this.random.int(1000, 5000), times: this.random.int(1, 3) });
    } else {
      await switches.set(step, { mode, times: this.random.int(1, 2) });
    }
  }
}
