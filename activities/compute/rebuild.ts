import { promises as fs } from 'node:fs';
import type { InstanceFlavor } from '../../domain/rows';
import { PowerState } from '../../domain/states';
import { DISK_CHUNKS } from './disk-image';
import { DiskChecksumMismatch } from './disk-transfer';
import { checkCancelled, type FakeHypervisor, type Guest, type StepContext } from './fake-hypervisor';
import { HypervisorStep } from './fault-switches';

/** The guest a rebuild leaves: the instance's (possibly new) name and its flavor, booted from the new image. */
export interface RebuildSpec {
  uuid: string;
  name: string;
  flavor: InstanceFlavor;
  imageId: string;
  /** The new image's bytes in the image store (a snapshot, an upload); absent for the synthesized base images. */
  imageSha256?: string | undefined;
  /** This rebuild (its request id): a retried step that finds it on the guest has nothing left to do. */
  rebuildId: string;
  /** The instance's project, which the host's metadata proxy signs for. */
  projectId?: string | undefined;
}

function now(): string {
  return new Date().toISOString();
}

/** Removes what an unfinished rebuild wrote beside the guest's disk; the disk itself is never touched. */
export async function removeRebuildDisk(hv: FakeHypervisor, uuid: string): Promise<void> {
  const temp = hv.rebuildDiskPath(uuid);
  await fs.rm(temp, { force: true });
  await fs.rm(`${temp}.partial`, { force: true });
}

/**
 * Nova's rebuild on the instance's own host (no claim: the flavor does not change): power off, destroy the old
 * disk, spawn from the new image. Crash-safe and lossless: the new disk is written under a temporary name
 * (itself through a `.partial` file), read back and checked, and only then renamed over the old disk, so until
 * that rename the old disk is intact; a failure or a cancellation before it removes the temporary files and
 * puts the guest back in the power state it had. A step retried after a worker crash writes the new disk again
 * from the start and never uses what the crashed attempt left; one that finds its own rebuild already done
 * returns the guest as it is. A guest that is gone (an instance in error) is defined anew; a rescue disk goes.
 */
export async function rebuildGuest(hv: FakeHypervisor, spec: RebuildSpec, ctx: StepContext): Promise<Guest> {
  const guest = await hv.getGuest(spec.uuid);
  if (guest?.rebuiltBy === spec.rebuildId && (await hv.diskChecksum(spec.uuid)) === guest.diskChecksum) {
    return guest;
  }
  await hv.applyFault(HypervisorStep.Rebuild, ctx);
  const temp = hv.rebuildDiskPath(spec.uuid);
  let written: { checksum: string; bytes: number };
  try {
    if (guest && guest.powerState !== PowerState.Shutdown) {
      await hv.saveGuest({ ...guest, powerState: PowerState.Shutdown, updatedAt: now() });
      await hv.console.powerDown(spec.uuid);
    }
    written = spec.imageSha256
      ? await hv.writeStoredImage(temp, spec.imageSha256, 'rebuild', ctx)
      : await hv.writeImage(temp, spec.imageId, DISK_CHUNKS, 'rebuild', ctx);
    const readBack = await hv.fileChecksum(temp);
    if (readBack !== written.checksum) throw new DiskChecksumMismatch(temp, written.checksum, readBack ?? 'nothing');
    checkCancelled(ctx, 'rebuild');
  } catch (err) {
    await removeRebuildDisk(hv, spec.uuid);
    if (guest) await hv.saveGuest({ ...guest, updatedAt: now() });
    throw err;
  }
  // The swap: from here on the guest has the new disk, whatever happens next.
  await fs.rename(temp, hv.diskPath(spec.uuid));
  await fs.rm(hv.rescueDiskPath(spec.uuid), { force: true });
  await fs.rm(`${hv.rescueDiskPath(spec.uuid)}.partial`, { force: true });
  const projectId = spec.projectId ?? guest?.projectId;
  const rebuilt: Guest = {
    uuid: spec.uuid,
    name: spec.name,
    flavor: spec.flavor,
    imageId: spec.imageId,
    ...(spec.imageSha256 ? { imageSha256: spec.imageSha256 } : {}),
    ...(projectId ? { projectId } : {}),
    powerState: PowerState.Running,
    diskChecksum: written.checksum,
    diskBytes: written.bytes,
    rebuiltBy: spec.rebuildId,
    createdAt: guest?.createdAt ?? now(),
    updatedAt: now(),
  };
  await hv.saveGuest(rebuilt);
  await hv.console.boot(rebuilt);
  return rebuilt;
}
