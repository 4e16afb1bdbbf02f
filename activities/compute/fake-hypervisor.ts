import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PowerState } from '../../domain/states';
import type { InstanceFlavor } from '../../domain/rows';
import { ConsoleLog } from './console-log';
import { hashGuestPassword } from './guest-password';
import { DISK_CHUNK_BYTES, DISK_CHUNKS, imageDisk } from './disk-image';
import { GuestInWrongState, GuestNotFound, GuestNotRunning, HypervisorStepFailed, ImageDataCorrupted } from './errors';
import { FaultSwitchFile, HypervisorStep, type FaultSwitch } from './fault-switches';
import { readJson, writeJsonAtomic } from './json-file';
import type { ImageStore } from '../../storage/image-store';

/** A guest as the fake hypervisor keeps it on disk. */
export interface Guest {
  uuid: string;
  name: string;
  powerState: number;
  flavor: InstanceFlavor;
  imageId: string;
  /** The instance's project: the host's metadata proxy names it in X-Tenant-ID. Absent on guests from before. */
  projectId?: string | undefined;
  diskChecksum: string;
  diskBytes: number;
  /** The image's bytes in the image store, when the disk was written from stored bytes. */
  imageSha256?: string | undefined;
  /** Set while the guest boots from a rescue disk; its own disk stays attached, untouched. */
  rescue?: RescueDisk;
  /** An NMI injected while the guest was paused: its kernel takes it once its vCPUs run again. */
  pendingNmi?: boolean;
  /** The rebuild (its request id) that wrote the current disk: a retried rebuild step knows it is done. */
  rebuiltBy?: string;
  /** The admin password the guest agent set (changePassword), hashed as the guest keeps it. */
  adminPassword?: string;
  createdAt: string;
  updatedAt: string;
}

/** The disk a rescued guest boots from, written from the rescue image next to the guest's own disk. */
export interface RescueDisk {
  imageId: string;
  diskChecksum: string;
}

export interface GuestSpec {
  uuid: string;
  name: string;
  flavor: InstanceFlavor;
  imageId: string;
  /**
   * The image's bytes in the image store (a snapshot, an upload); absent for the built-in base images, whose
   * bytes the fake hypervisor synthesizes from the image id.
   */
  imageSha256?: string | undefined;
  /** The instance's project, which the host's metadata proxy names for the guest. */
  projectId?: string | undefined;
}

/**
 * What a hypervisor step gets from its caller: a progress callback (the compute activity turns it into a
 * Temporal heartbeat) and a signal that aborts the step when the operation is cancelled.
 */
export interface StepContext {
  progress(detail: { step: string; done: number; total: number }): void;
  signal: AbortSignal;
}

/** Thrown when a step stops because its operation was cancelled. */
export class StepCancelled extends Error {
  constructor(readonly step: string) {
    super(`step ${step} cancelled`);
    this.name = 'StepCancelled';
  }
}

export function checkCancelled(ctx: StepContext, step: string): void {
  if (ctx.signal.aborted) throw new StepCancelled(step);
}

const HANG_POLL_MS = 200;
const SLOW_TICK_MS = 250;

/**
 * Nova's fake virt driver with real state: each guest is a JSON file and a disk file under the host's data
 * directory, so guests outlive a worker restart. Every step is idempotent, so a retried activity is safe.
 *
 * Disk writes are not fsynced: the page cache already outlives a killed worker, the failure this fake models
 * (an fsync cost ~10 ms per 1 MiB disk here, most of a spawn's time, and modelled nothing the tests exercise).
 */
export class FakeHypervisor {
  readonly faults: FaultSwitchFile;
  /** What each guest printed on its serial console on this host. */
  readonly console: ConsoleLog;
  private readonly guestsDir: string;
  private readonly disksDir: string;

  constructor(
    readonly host: string,
    readonly hostDir: string,
    readonly images: ImageStore,
  ) {
    this.faults = FaultSwitchFile.forHostDir(hostDir);
    this.guestsDir = path.join(hostDir, 'guests');
    this.disksDir = path.join(hostDir, 'disks');
    this.console = new ConsoleLog(path.join(hostDir, 'consoles'));
  }

  diskPath(uuid: string): string {
    return path.join(this.disksDir, `${uuid}.disk`);
  }

  rescueDiskPath(uuid: string): string {
    return path.join(this.disksDir, `${uuid}.rescue`);
  }

  /** Where a rebuild writes the new disk before swapping it in for the old one. */
  rebuildDiskPath(uuid: string): string {
    return `${this.diskPath(uuid)}.rebuild`;
  }

  async getGuest(uuid: string): Promise<Guest | undefined> {
    return readJson<Guest>(this.guestPath(uuid));
  }

  async listGuests(): Promise<Guest[]> {
    const names = await fs.readdir(this.guestsDir).catch(() => [] as string[]);
    const guests = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => readJson<Guest>(path.join(this.guestsDir, n))),
    );
    return guests.filter((g): g is Guest => g !== undefined);
  }

  /** Creates the disk from the image and defines the guest; a spawn re-run after a crash starts the copy over. */
  async spawn(spec: GuestSpec, powerOn: boolean, ctx: StepContext): Promise<Guest> {
    const existing = await this.getGuest(spec.uuid);
    if (existing) return existing;
    await this.applyFault(HypervisorStep.Spawn, ctx);
    const disk = this.diskPath(spec.uuid);
    const { checksum, bytes } = spec.imageSha256
      ? await this.writeStoredImage(disk, spec.imageSha256, 'spawn', ctx)
      : await this.writeImage(disk, spec.imageId, DISK_CHUNKS, 'spawn', ctx);
    checkCancelled(ctx, 'spawn');
    const now = new Date().toISOString();
    const guest: Guest = {
      ...spec,
      powerState: powerOn ? PowerState.Running : PowerState.Shutdown,
      diskChecksum: checksum,
      diskBytes: bytes,
      createdAt: now,
      updatedAt: now,
    };
    await this.saveGuest(guest);
    if (powerOn) await this.console.boot(guest);
    return guest;
  }

  /** Defines or updates a guest record (used by spawn and by the disk transfer of a migration). */
  async saveGuest(guest: Guest): Promise<void> {
    await writeJsonAtomic(this.guestPath(guest.uuid), guest);
  }

  async powerOff(uuid: string, ctx: StepContext): Promise<Guest> {
    return this.setPower(uuid, HypervisorStep.PowerOff, PowerState.Shutdown, ctx);
  }

  async powerOn(uuid: string, ctx: StepContext): Promise<Guest> {
    return this.setPower(uuid, HypervisorStep.PowerOn, PowerState.Running, ctx);
  }

  async reboot(uuid: string, ctx: StepContext): Promise<Guest> {
    return this.setPower(uuid, HypervisorStep.Reboot, PowerState.Running, ctx);
  }

  async pause(uuid: string, ctx: StepContext): Promise<Guest> {
    return this.transition(uuid, HypervisorStep.Pause, [PowerState.Running], PowerState.Paused, ctx);
  }

  async unpause(uuid: string, ctx: StepContext): Promise<Guest> {
    const guest = await this.transition(uuid, HypervisorStep.Unpause, [PowerState.Paused], PowerState.Running, ctx);
    if (!guest.pendingNmi) return guest;
    const { pendingNmi: _taken, ...running } = guest;
    await this.saveGuest(running);
    await this.printCrashDump(running);
    return running;
  }

  /** Saves the guest's memory and stops it (libvirt's managed save), like a laptop's suspend to disk. */
  async suspend(uuid: string, ctx: StepContext): Promise<Guest> {
    return this.transition(uuid, HypervisorStep.Suspend, [PowerState.Running], PowerState.Suspended, ctx);
  }

  async resume(uuid: string, ctx: StepContext): Promise<Guest> {
    return this.transition(uuid, HypervisorStep.Resume, [PowerState.Suspended], PowerState.Running, ctx);
  }

  /**
   * libvirt's inject_nmi: a running guest panics, dumps and reboots, and runs on (Nova changes no power state for
   * it); a paused one takes the NMI when it is unpaused, unless a power change resets it first. A guest that is
   * not running refuses it.
   */
  async injectNmi(uuid: string, ctx: StepContext): Promise<Guest> {
    const guest = await this.getGuest(uuid);
    if (!guest) throw new GuestNotFound(uuid, this.host);
    if (guest.powerState !== PowerState.Running && guest.powerState !== PowerState.Paused) {
      throw new GuestNotRunning(uuid, this.host, guest.powerState);
    }
    await this.applyFault(HypervisorStep.TriggerCrashDump, ctx);
    if (guest.powerState === PowerState.Running) {
      await this.printCrashDump(guest);
      return guest;
    }
    const holding = { ...guest, pendingNmi: true, updatedAt: new Date().toISOString() };
    await this.saveGuest(holding);
    return holding;
  }

  /**
   * libvirt's set_admin_password through the guest agent, which only a running guest has: the guest stores the
   * password hashed, as its /etc/shadow would.
   */
  async setAdminPassword(uuid: string, password: string, ctx: StepContext): Promise<Guest> {
    const guest = await this.getGuest(uuid);
    if (!guest) throw new GuestNotFound(uuid, this.host);
    if (guest.powerState !== PowerState.Running) throw new GuestNotRunning(uuid, this.host, guest.powerState);
    await this.applyFault(HypervisorStep.SetAdminPassword, ctx);
    const updated = { ...guest, adminPassword: hashGuestPassword(password), updatedAt: new Date().toISOString() };
    await this.saveGuest(updated);
    return updated;
  }

  private async printCrashDump(guest: Guest): Promise<void> {
    await this.console.crashDump(guest.uuid);
    await this.console.boot(guest, guest.rescue ? { rescueImageId: guest.rescue.imageId } : {});
  }

  /** Removes the guest and its disks; destroying a guest that is already gone succeeds. */
  async destroy(uuid: string, ctx: StepContext): Promise<void> {
    await this.applyFault(HypervisorStep.Destroy, ctx);
    for (const disk of [this.diskPath(uuid), this.rescueDiskPath(uuid), this.rebuildDiskPath(uuid)]) {
      await fs.rm(disk, { force: true });
      await fs.rm(`${disk}.partial`, { force: true });
    }
    await fs.rm(this.guestPath(uuid), { force: true });
    await this.console.remove(uuid);
  }

  /**
   * What the guest itself writes to its disk (a user's files): bytes at `offset`, in place, so the disk no
   * longer matches its image and any copy that loses the write is caught by its checksum.
   */
  async guestWrite(uuid: string, offset: number, data: Buffer): Promise<Guest> {
    const guest = await this.getGuest(uuid);
    if (!guest) throw new GuestNotFound(uuid, this.host);
    if (offset < 0 || offset + data.length > guest.diskBytes) {
      throw new RangeError(`write of ${data.length} bytes at ${offset} is outside the ${guest.diskBytes}-byte disk`);
    }
    const handle = await fs.open(this.diskPath(uuid), 'r+');
    try {
      await handle.write(data, 0, data.length, offset);
    } finally {
      await handle.close();
    }
    const updated = { ...guest, diskChecksum: (await this.diskChecksum(uuid))!, updatedAt: new Date().toISOString() };
    await this.saveGuest(updated);
    return updated;
  }

  /** Reads a guest's disk back and hashes it: how tests and audits prove data survived. */
  async diskChecksum(uuid: string): Promise<string | undefined> {
    return this.fileChecksum(this.diskPath(uuid));
  }

  /** Hashes a guest's rescue disk; undefined when it has none. */
  async rescueDiskChecksum(uuid: string): Promise<string | undefined> {
    return this.fileChecksum(this.rescueDiskPath(uuid));
  }

  /** Hashes any file under the host; undefined when there is none. */
  async fileChecksum(file: string): Promise<string | undefined> {
    try {
      return createHash('sha256')
        .update(await fs.readFile(file))
        .digest('hex');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private guestPath(uuid: string): string {
    return path.join(this.guestsDir, `${uuid}.json`);
  }

  private async setPower(uuid: string, step: HypervisorStep, powerState: number, ctx: StepContext): Promise<Guest> {
    const guest = await this.getGuest(uuid);
    if (!guest) throw new GuestNotFound(uuid, this.host);
    await this.applyFault(step, ctx);
    // A power change resets the vCPUs: an NMI a paused guest held is gone.
    const { pendingNmi: _reset, ...rest } = guest;
    const updated = { ...rest, powerState, updatedAt: new Date().toISOString() };
    await writeJsonAtomic(this.guestPath(uuid), updated);
    await this.printPowerChange(guest, step, updated);
    return updated;
  }

  /** What the guest's console shows of a power change: a retried step that changed nothing prints nothing. */
  private async printPowerChange(before: Guest, step: HypervisorStep, after: Guest): Promise<void> {
    const wasRunning = before.powerState === PowerState.Running;
    if (step === HypervisorStep.Reboot) await this.console.restart(after.uuid);
    else if (wasRunning && after.powerState !== PowerState.Running) await this.console.powerDown(after.uuid);
    if (after.powerState === PowerState.Running && (!wasRunning || step === HypervisorStep.Reboot)) {
      await this.console.boot(after, after.rescue ? { rescueImageId: after.rescue.imageId } : {});
    }
  }

  /**
   * Moves a guest's power state the way a real hypervisor would: only from the states the step accepts. A
   * retried step that finds the guest already in the target state succeeds without acting (or firing) again.
   */
  private async transition(
    uuid: string,
    step: HypervisorStep,
    from: readonly number[],
    to: number,
    ctx: StepContext,
  ): Promise<Guest> {
    const guest = await this.getGuest(uuid);
    if (!guest) throw new GuestNotFound(uuid, this.host);
    if (guest.powerState === to) return guest;
    if (!from.includes(guest.powerState)) throw new GuestInWrongState(uuid, this.host, step, guest.powerState);
    await this.applyFault(step, ctx);
    const updated = { ...guest, powerState: to, updatedAt: new Date().toISOString() };
    await this.saveGuest(updated);
    return updated;
  }

  /**
   * Writes `chunks` chunks of an image to `target` through a `.partial` file renamed at the end, so a crash
   * never leaves a half-written disk under the real name; a re-run starts the copy over.
   */
  async writeImage(
    target: string,
    imageId: string,
    chunks: number,
    step: string,
    ctx: StepContext,
  ): Promise<{ checksum: string; bytes: number }> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    const disk = imageDisk(imageId, chunks);
    const handle = await fs.open(partial, 'w');
    try {
      for (let i = 0; i < chunks; i++) {
        checkCancelled(ctx, step);
        await handle.write(disk.bytes, i * DISK_CHUNK_BYTES, DISK_CHUNK_BYTES);
        ctx.progress({ step, done: i + 1, total: chunks });
      }
    } finally {
      await handle.close();
    }
    checkCancelled(ctx, step);
    await fs.rename(partial, target);
    return { checksum: disk.checksum, bytes: disk.bytes.length };
  }

  /** Writes a disk from image bytes in the store, through a `.partial` file like `writeImage`. */
  async writeStoredImage(
    target: string,
    sha256: string,
    step: string,
    ctx: StepContext,
  ): Promise<{ checksum: string; bytes: number }> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    const hash = createHash('sha256');
    const source = await this.images.read(sha256);
    const handle = await fs.open(partial, 'w');
    let bytes = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        checkCancelled(ctx, step);
        const written = handle.write(chunk);
        hash.update(chunk);
        await written;
        bytes += chunk.length;
        ctx.progress({ step, done: bytes, total: 0 });
      }
    } finally {
      source.destroy();
      await handle.close();
    }
    const checksum = hash.digest('hex');
    if (checksum !== sha256) throw new ImageDataCorrupted(sha256, checksum);
    checkCancelled(ctx, step);
    await fs.rename(partial, target);
    return { checksum, bytes };
  }

  /** Fires the step's fault switch, if one is set: fail, abort, hang or slow down. */
  async applyFault(step: HypervisorStep, ctx: StepContext): Promise<void> {
    const fault = await this.faults.fire(step);
    if (!fault) return;
    switch (fault.mode) {
      case 'fail':
        throw new HypervisorStepFailed(step, this.host, true);
      case 'abort':
        throw new HypervisorStepFailed(step, this.host, false);
      case 'slow':
        await this.wait(step, fault, ctx);
        return;
      case 'hang':
        await this.hang(step, ctx);
        return;
    }
  }

  private async wait(step: string, fault: FaultSwitch, ctx: StepContext): Promise<void> {
    const total = fault.delayMs ?? 1000;
    for (let waited = 0; waited < total; waited += SLOW_TICK_MS) {
      checkCancelled(ctx, step);
      ctx.progress({ step, done: waited, total });
      await sleep(Math.min(SLOW_TICK_MS, total - waited));
    }
  }

  private async hang(step: HypervisorStep, ctx: StepContext): Promise<void> {
    for (let polls = 0; (await this.faults.read())[step]?.mode === 'hang'; polls++) {
      checkCancelled(ctx, step);
      ctx.progress({ step, done: polls, total: 0 });
      await sleep(HANG_POLL_MS);
    }
  }
}
