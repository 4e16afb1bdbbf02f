import { createHash } from 'node:crypto';
import {
  DISK_CHUNK_BYTES,
  DISK_CHUNKS,
  RESCUE_DISK_CHUNKS,
  expectedDiskChecksum,
  imageChunk,
  imageDisk,
} from './disk-image';

const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';

describe('imageDisk', () => {
  it("is the image's chunks one after another, with their sha256, for guest and rescue disks alike", () => {
    for (const chunks of [DISK_CHUNKS, RESCUE_DISK_CHUNKS]) {
      const disk = imageDisk(IMAGE, chunks);
      expect(disk.bytes).toHaveLength(chunks * DISK_CHUNK_BYTES);
      const hash = createHash('sha256');
      for (let i = 0; i < chunks; i++) {
        const chunk = imageChunk(IMAGE, i);
        expect(disk.bytes.subarray(i * DISK_CHUNK_BYTES, (i + 1) * DISK_CHUNK_BYTES).equals(chunk)).toBe(true);
        hash.update(chunk);
      }
      expect(disk.checksum).toBe(hash.digest('hex'));
      expect(expectedDiskChecksum(IMAGE, chunks)).toBe(disk.checksum);
    }
  });

  it('is built once per image and size, and different images make different disks', () => {
    expect(imageDisk(IMAGE)).toBe(imageDisk(IMAGE));
    expect(imageDisk('another-image').checksum).not.toBe(imageDisk(IMAGE).checksum);
    expect(imageDisk(IMAGE, RESCUE_DISK_CHUNKS)).not.toBe(imageDisk(IMAGE));
  });
});
