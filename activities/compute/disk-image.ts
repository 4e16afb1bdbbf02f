import { createHash } from 'node:crypto';
import { boundedMemo } from '../../domain/bounded-memo';

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
  return imageDisk(imageId, chunks).checksum;
}

/** A disk's bytes as written from an image, and their checksum. Shared: never write into `bytes`. */
export interface ImageDisk {
  bytes: Buffer;
  checksum: string;
}

/** A host spawns from a handful of base images: it keeps their disks, as a real host caches base images. */
const cachedImageDisk = boundedMemo(8, (key): ImageDisk => {
  const colon = key.indexOf(':');
  const [chunks, imageId] = [Number(key.slice(0, colon)), key.slice(colon + 1)];
  const bytes = Buffer.concat(Array.from({ length: chunks }, (_, i) => imageChunk(imageId, i)));
  return { bytes, checksum: createHash('sha256').update(bytes).digest('hex') };
});

/** The disk `chunks` chunks of this image make, built once and then taken from the host's image cache. */
export function imageDisk(imageId: string, chunks = DISK_CHUNKS): ImageDisk {
  return cachedImageDisk(`${chunks}:${imageId}`);
}
