import { createHash } from 'node:crypto';

export const DISK_CHUNK_BYTES = 64 * 1024;
/** Every fake disk holds this many chunks: big enough to be real I/O, small enough for tests. */
export const DISK_CHUNKS = 16;
/** A rescue disk only has to boot a repair system: a quarter of a guest disk. */
export const RESCUE_DISK_CHUNKS = 4;

/** The bytes of chunk `index` of an image: deterministic, so a disk's checksum tells whether data survived. */
export function imageChunk(imageId: string, index: number): Buffer {
  const seed = createHash('sha256').update(`${imageId}:${index}`).digest();
  const chunk = Buffer.alloc(DISK_CHUNK_BYTES);
  for (let offset = 0; offset < DISK_CHUNK_BYTES; offset += seed.length) seed.copy(chunk, offset);
  return chunk;
}

/** The checksum a freshly written disk of this image has (a guest disk unless `chunks` says otherwise). */
export function expectedDiskChecksum(imageId: string, chunks = DISK_CHUNKS): string {
  const hash = createHash('sha256');
  for (let i = 0; i < chunks; i++) hash.update(imageChunk(imageId, i));
  return hash.digest('hex');
}
