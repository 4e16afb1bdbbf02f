import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where image bytes live, addressed by their SHA-256. The image service (uploads, downloads) and the compute
 * hosts (snapshots, spawns) both reach it, as Glance and Nova both reach a Ceph pool; neither owns it, and
 * neither needs the database to use it. Records about images stay in PostgreSQL.
 */
export interface ImageStore {
  /** Stores a stream of bytes; storing the same bytes twice keeps one copy. */
  write(source: AsyncIterable<Uint8Array>): Promise<StoredImageData>;
  /** The bytes stored under `sha256`; throws ImageDataNotFound when there are none. */
  read(sha256: string): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
  /** Removes the bytes; removing bytes that are not there succeeds. */
  remove(sha256: string): Promise<void>;
}

/** What a write produced: the content address and the digests Glance reports. */
export interface StoredImageData {
  sha256: string;
  /** Glance's `checksum` (MD5), kept for clients that still verify with it. */
  md5: string;
  /** Glance's `os_hash_value` with `os_hash_algo` sha512. */
  sha512: string;
  sizeBytes: number;
}

/** Thrown when no bytes are stored under a content address. */
export class ImageDataNotFound extends Error {
  constructor(readonly sha256: string) {
    super(`no image data stored under ${sha256}`);
    this.name = 'ImageDataNotFound';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Reads in 1 MiB pieces: a guest disk in one, where the stream's 64 KiB default took sixteen round trips. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** A content-addressed directory: `<root>/<first two hex digits>/<sha256>`, written through a temp file. */
export class LocalImageStore implements ImageStore {
  constructor(readonly root: string) {}

  async write(source: AsyncIterable<Uint8Array>): Promise<StoredImageData> {
    const incoming = path.join(this.root, 'incoming');
    await fs.mkdir(incoming, { recursive: true });
    const temp = path.join(incoming, randomUUID());
    const hashes = { sha256: createHash('sha256'), md5: createHash('md5'), sha512: createHash('sha512') };
    let sizeBytes = 0;
    const handle = await fs.open(temp, 'w');
    try {
      for await (const chunk of source) {
        // The bytes go to the disk while this thread hashes them.
        const written = handle.write(chunk);
        for (const hash of Object.values(hashes)) hash.update(chunk);
        await written;
        sizeBytes += chunk.byteLength;
      }
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    const sha256 = hashes.sha256.digest('hex');
    const target = this.pathOf(sha256);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(temp, target);
    return { sha256, md5: hashes.md5.digest('hex'), sha512: hashes.sha512.digest('hex'), sizeBytes };
  }

  async read(sha256: string): Promise<Readable> {
    const file = this.pathOf(sha256);
    if (!(await this.has(sha256))) throw new ImageDataNotFound(sha256);
    return createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  }

  async has(sha256: string): Promise<boolean> {
    if (!SHA256_HEX.test(sha256)) return false;
    return fs.stat(this.pathOf(sha256)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async remove(sha256: string): Promise<void> {
    if (!SHA256_HEX.test(sha256)) return;
    await fs.rm(this.pathOf(sha256), { force: true });
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new ImageDataNotFound(sha256);
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }
}
