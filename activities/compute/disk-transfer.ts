import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PowerState } from '../../domain/states';
import type { InstanceFlavor } from '../../domain/rows';
import { DISK_CHUNK_BYTES } from './disk-image';
import { GuestNotFound } from './errors';
import { HypervisorStep } from './fault-switches';
import { checkCancelled, type FakeHypervisor, type Guest, type StepContext } from './fake-hypervisor';

/** Thrown when a copied disk does not hash to what the source had: the copy is never used. */
export class DiskChecksumMismatch extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`disk copy ${path.basename(file)} has checksum ${actual}, expected ${expected}`);
    this.name = 'DiskChecksumMismatch';
  }
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Source side of a migration: powers the guest off (cold; a live migration keeps it running) and copies its disk, chunk by chunk, to the transfer
 * area. `fromChunk` resumes a copy that a crashed attempt left half done (from its last heartbeat); the result
 * is only renamed into place once its checksum matches the source disk.
 */
export async function exportDisk(
  hv: FakeHypervisor,
  uuid: string,
  transferFile: string,
  fromChunk: number,
  ctx: StepContext,
  powerOff = true,
): Promise<{ checksum: string; bytes: number }> {
  const guest = await hv.getGuest(uuid);
  if (!guest) throw new GuestNotFound(uuid, hv.host);
  if (await exists(transferFile)) return { checksum: await sha256(transferFile), bytes: guest.diskBytes };
  await hv.applyFault(HypervisorStep.MigrateDisk, ctx);
  if (powerOff && guest.powerState !== PowerState.Shutdown) {
    await hv.saveGuest({ ...guest, powerState: PowerState.Shutdown, updatedAt: new Date().toISOString() });
    await hv.console.powerDown(uuid);
  }
  await fs.mkdir(path.dirname(transferFile), { recursive: true });
  const partial = `${transferFile}.partial`;
  const source = await fs.open(hv.diskPath(uuid), 'r');
  const target = await fs.open(partial, fromChunk > 0 && (await exists(partial)) ? 'r+' : 'w');
  try {
    const total = Math.ceil(guest.diskBytes / DISK_CHUNK_BYTES);
    const start = fromChunk > 0 && (await exists(partial)) ? fromChunk : 0;
    const buffer = Buffer.alloc(DISK_CHUNK_BYTES);
    for (let i = start; i < total; i++) {
      checkCancelled(ctx, 'migrateDisk');
      const { bytesRead } = await source.read(buffer, 0, DISK_CHUNK_BYTES, i * DISK_CHUNK_BYTES);
      await target.write(buffer, 0, bytesRead, i * DISK_CHUNK_BYTES);
      ctx.progress({ step: 'migrateDisk', done: i + 1, total });
    }
    // Not fsynced, like the fake hypervisor's disks: the page cache outlives a killed worker.
  } finally {
    await source.close();
    await target.close();
  }
  const checksum = await sha256(partial);
  if (checksum !== guest.diskChecksum) throw new DiskChecksumMismatch(partial, guest.diskChecksum, checksum);
  await fs.rename(partial, transferFile);
  return { checksum, bytes: guest.diskBytes };
}

export interface ImportSpec {
  uuid: string;
  name: string;
  imageId: string;
  flavor: InstanceFlavor;
  checksum: string;
  powerOn: boolean;
  /** A live migration's guest: it runs on, so it prints no boot on its new host. */
  live?: boolean | undefined;
  projectId?: string | undefined;
}

/** Destination side: takes the transferred disk (a copy: alternates may need it again), then defines the guest. */
export async function importDisk(
  hv: FakeHypervisor,
  spec: ImportSpec,
  transferFile: string,
  ctx: StepContext,
): Promise<Guest> {
  const existing = await hv.getGuest(spec.uuid);
  if (existing) {
    // A re-run after a crash, or a resize on the same host: the guest is here, take the new flavor and power.
    const powerState = spec.powerOn ? PowerState.Running : PowerState.Shutdown;
    const updated = { ...existing, flavor: spec.flavor, powerState, updatedAt: new Date().toISOString() };
    await hv.saveGuest(updated);
    if (spec.powerOn && !spec.live && existing.powerState !== PowerState.Running) await hv.console.boot(updated);
    return updated;
  }
  await hv.applyFault(HypervisorStep.FinishMigration, ctx);
  checkCancelled(ctx, 'finishMigration');
  const disk = hv.diskPath(spec.uuid);
  await fs.mkdir(path.dirname(disk), { recursive: true });
  await fs.copyFile(transferFile, `${disk}.partial`);
  const checksum = await sha256(`${disk}.partial`);
  if (checksum !== spec.checksum) throw new DiskChecksumMismatch(disk, spec.checksum, checksum);
  await fs.rename(`${disk}.partial`, disk);
  const now = new Date().toISOString();
  const guest: Guest = {
    uuid: spec.uuid,
    name: spec.name,
    imageId: spec.imageId,
    flavor: spec.flavor,
    projectId: spec.projectId,
    powerState: spec.powerOn ? PowerState.Running : PowerState.Shutdown,
    diskChecksum: checksum,
    diskBytes: (await fs.stat(disk)).size,
    createdAt: now,
    updatedAt: now,
  };
  await hv.saveGuest(guest);
  if (spec.powerOn && !spec.live) await hv.console.boot(guest);
  return guest;
}

/** Drops a migration's copy from the transfer area once nothing needs it. */
export async function removeTransfer(transferFile: string): Promise<void> {
  await fs.rm(transferFile, { force: true });
  await fs.rm(`${transferFile}.partial`, { force: true });
}

const TRANSFER_FILE = /^(.+)\.disk(\.partial)?$/;

/**
 * The migrations whose disk copies (whole or partial) sit in the transfer area: what a host reports, so that the
 * conductor can name those whose migration is settled, for the host to remove (a rollback that could not reach
 * its source left them behind).
 */
export async function listTransfers(transferDir: string): Promise<string[]> {
  const names = await fs.readdir(transferDir).catch(() => [] as string[]);
  const migrations = names.map((name) => TRANSFER_FILE.exec(name)?.[1]).filter((m) => m !== undefined);
  return [...new Set(migrations)].sort();
}
