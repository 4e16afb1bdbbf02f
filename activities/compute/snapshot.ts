import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { StagedImageData } from '../../storage/image-store';
import { DISK_CHUNK_BYTES } from './disk-image';
import { DiskChecksumMismatch } from './disk-transfer';
import { GuestNotFound, ImageDataCorrupted } from './errors';
import { HypervisorStep } from './fault-switches';
import { checkCancelled, type FakeHypervisor, type StepContext } from './fake-hypervisor';

const STEP = 'snapshot';

/**
 * Streams a guest's disk into the image store (createImage, shelve) and returns what the store holds, staged:
 * the conductor publishes it with the image record, under the content address's lock, so a delete of another
 * image with the same bytes cannot remove them before the record holds them. The copy must be the disk as it is
 * at one moment: its hash is checked against the guest's current checksum before the last chunk is handed over,
 * so a copy that a guest write tore apart fails and the store keeps nothing of it.
 */
export async function snapshotDisk(hv: FakeHypervisor, uuid: string, ctx: StepContext): Promise<StagedImageData> {
  const guest = await hv.getGuest(uuid);
  if (!guest) throw new GuestNotFound(uuid, hv.host);
  await hv.applyFault(HypervisorStep.Snapshot, ctx);
  const verified = { checksum: '' };
  const stored = await hv.images.stage(readConsistently(hv, uuid, ctx, verified));
  if (stored.sha256 !== verified.checksum) {
    await hv.images.unstage(stored.staged);
    throw new ImageDataCorrupted(verified.checksum, stored.sha256);
  }
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
    let current = await readChunk(handle, 0);
    for (let index = 0; current.length > 0; index++) {
      checkCancelled(ctx, STEP);
      // The next chunk is read while this thread hashes the current one.
      const reading = readChunk(handle, (index + 1) * DISK_CHUNK_BYTES);
      hash.update(current);
      const next = await reading;
      if (next.length === 0) {
        const checksum = hash.digest('hex');
        const now = (await hv.getGuest(uuid))?.diskChecksum;
        if (now === undefined) throw new GuestNotFound(uuid, hv.host);
        if (checksum !== now) throw new DiskChecksumMismatch(file, now, checksum);
        verified.checksum = checksum;
      }
      yield current;
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
