import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic, readJson } from './json-file';

/** The hypervisor steps a fault switch can target. */
export const HypervisorStep = {
  Spawn: 'spawn',
  PowerOff: 'powerOff',
  PowerOn: 'powerOn',
  Reboot: 'reboot',
  Pause: 'pause',
  Unpause: 'unpause',
  Suspend: 'suspend',
  Resume: 'resume',
  Rescue: 'rescue',
  Unrescue: 'unrescue',
  Destroy: 'destroy',
  /** Rebuild: the new disk from the new image, swapped in for the old one. */
  Rebuild: 'rebuild',
  MigrateDisk: 'migrateDisk',
  FinishMigration: 'finishMigration',
  /** Live migration, destination pre-check: `fail` makes this host refuse the move (another may take it). */
  CheckLiveMigrateDestination: 'checkLiveMigrateDestination',
  /** Live migration memory rounds; `hang` here means the guest dirties memory faster than it copies. */
  LiveMigrate: 'liveMigrate',
  /** Copying a guest's disk into the image store (createImage, createBackup, shelve): the upload, struck after its first chunk. */
  Snapshot: 'snapshot',
  /** trigger_crash_dump: the NMI injected into the guest. */
  TriggerCrashDump: 'triggerCrashDump',
  /** changePassword: the guest agent setting the admin password. */
  SetAdminPassword: 'setAdminPassword',
} as const;
export type HypervisorStep = (typeof HypervisorStep)[keyof typeof HypervisorStep];

/**
 * A per-host fault switch, like the named failure variants of Nova's fake driver:
 * - `fail`: the step fails (spawn failures are reschedulable: another host may work);
 * - `abort`: the step fails and must not be retried elsewhere (Nova's BuildAbortException);
 * - `hang`: the step waits until the switch is cleared (the activity keeps heartbeating);
 * - `slow`: the step takes `delayMs` longer.
 * `times` bounds how often the switch fires before it clears itself.
 */
export interface FaultSwitch {
  mode: 'fail' | 'abort' | 'hang' | 'slow';
  delayMs?: number;
  times?: number;
}

export type FaultSwitches = Partial<Record<HypervisorStep, FaultSwitch>>;

/** Fault switches live in the host's data directory, so tests and operators can flip them on a running host. */
export class FaultSwitchFile {
  constructor(private readonly file: string) {}

  static forHostDir(hostDir: string): FaultSwitchFile {
    return new FaultSwitchFile(path.join(hostDir, 'faults.json'));
  }

  async read(): Promise<FaultSwitches> {
    return (await readJson<FaultSwitches>(this.file)) ?? {};
  }

  async set(step: HypervisorStep, fault: FaultSwitch): Promise<void> {
    const all = await this.read();
    all[step] = fault;
    await writeJsonAtomic(this.file, all);
  }

  async clear(step?: HypervisorStep): Promise<void> {
    if (step === undefined) {
      await fs.rm(this.file, { force: true });
      return;
    }
    const all = await this.read();
    delete all[step];
    await writeJsonAtomic(this.file, all);
  }

  /** Returns the switch for a step and counts one firing against `times`. */
  async fire(step: HypervisorStep): Promise<FaultSwitch | undefined> {
    const all = await this.read();
    const fault = all[step];
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      if (fault.times <= 1) delete all[step];
      else all[step] = { ...fault, times: fault.times - 1 };
      await writeJsonAtomic(this.file, all);
    }
    return fault;
  }
}
