import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { StagedImageData, StoredImageData } from '../../storage/image-store';
import { DISK_CHUNK_BYTES } from './disk-image';
import { DiskChecksumMismatch } from './disk-transfer';
import { GuestNotFound, ImageDataCorrupted } from './errors';
import { HypervisorStep } from './fault-switches';
import { checkCancelled, type FakeHypervisor, type StepContext } from './fake-hypervisor';

const STEP = 'snapshot';

/** How the conductor that asked wants the bytes. */
export interface SnapshotOptions {
  /**
   * Staged, for the conductor to publish with the image record (conductors of this release ask). A conductor of
   * an older release does not ask, and finds the bytes published by the host, as it expects.
   */
  stage?: boolean;
  /**
   * The image the copy is for, which names it in the store: the conductor drops every copy made for the image,
   * so an attempt the host died in, or whose result was lost, leaves nothing behind.
   */
  imageId?: string;
}

/**
 * Streams a guest's disk into the image store (createImage, createBackup, shelve), staged: the conductor publishes it with the
 * image record, under the content address's lock, so a delete of another image with the same bytes cannot remove
 * them before the record holds them. The copy must be the disk as it is at one moment: its hash is checked
 * against the guest's current checksum before the last chunk is handed over, so a copy that a guest write tore
 * apart fails and the store keeps nothing of it.
 */
export async function stageSnapshot(
  hv: FakeHypervisor,
  uuid: string,
  ctx: StepContext,
  imageId?: string,
): Promise<StagedImageData> {
  const { source, verified } = await readGuestDisk(hv, uuid, ctx);
  const staged = await hv.images.stage(source, imageId);
  if (staged.sha256 !== verified.checksum) await hv.images.unstage(staged.staged);
  return addressChecked(staged, verified.checksum);
}

/** The same copy published at once, for a conductor of an older release that does not publish it itself. */
export async function snapshotDisk(hv: FakeHypervisor, uuid: string, ctx: StepContext): Promise<StoredImageData> {
  const { source, verified } = await readGuestDisk(hv, uuid, ctx);
  return addressChecked(await hv.images.write(source), verified.checksum);
}

async function readGuestDisk(hv: FakeHypervisor, uuid: string, ctx: StepContext) {
  const guest = await hv.getGuest(uuid);
  if (!guest) throw new GuestNotFound(uuid, hv.host);
  const verified = { checksum: '' };
  return { source: readConsistently(hv, uuid, ctx, verified), verified };
}

/** The store's address must be the checksum the copy was verified against. */
function addressChecked<T extends StoredImageData>(stored: T, checksum: string): T {
  if (stored.sha256 !== checksum) throw new ImageDataCorrupted(checksum, stored.sha256);
  return stored;
}

/** The disk's chunks; throws before yielding the last one when their hash is not the guest's current checksum. */
async function* readConsistently(
  hv: FakeHypervisor,
  uuid: string,
  ctx: StepContext,
  verified: { checksum: string },
): AsyncGenerator<Uint8Array> {
  const file = hv.diskPath(uuid);
  const handle = await fs.open(file, 'r');
  try {
    const total = Math.max(1, Math.ceil((await handle.stat()).size / DISK_CHUNK_BYTES));
    const hash = createHash('sha256');
    const verify = async () => {
      const checksum = hash.digest('hex');
      const now = (await hv.getGuest(uuid))?.diskChecksum;
      if (now === undefined) throw new GuestNotFound(uuid, hv.host);
      if (checksum !== now) throw new DiskChecksumMismatch(file, now, checksum);
      verified.checksum = checksum;
    };
    let current = await readChunk(handle, 0);
    // An empty disk (a server booted from an empty image) has no last chunk to verify before.
    if (current.length === 0) await verify();
    for (let index = 0; current.length > 0; index++) {
      checkCancelled(ctx, STEP);
      // The next chunk is read while this thread hashes the current one.
      const reading = readChunk(handle, (index + 1) * DISK_CHUNK_BYTES);
      hash.update(current);
      const next = await reading;
      if (next.length === 0) await verify();
      yield current;
      // A fault strikes mid-upload, with part of the copy in the store, where a real upload fails or stalls.
      if (index === 0) await hv.applyFault(HypervisorStep.Snapshot, ctx);
      ctx.progress({ step: STEP, done: index + 1, total });
      current = next;
    }
  } finally {
    await handle.close();
  }
}

async function readChunk(handle: fs.FileHandle, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(DISK_CHUNK_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, DISK_CHUNK_BYTES, position);
  return buffer.subarray(0, bytesRead);
}
