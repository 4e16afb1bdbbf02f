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
  /**
   * Stores a stream of bytes out of every reader's and every remove's sight: `publish` makes them readable under
   * their content address. Bytes someone else may be releasing (a snapshot, an upload) are staged, then published
   * under the content address's lock with the record that holds them, so no release can remove them in between.
   * An `owner` (the image's id) names the copy, so `unstageOwned` finds it even when its stager never returned.
   */
  stage(source: AsyncIterable<Uint8Array>, owner?: string): Promise<StagedImageData>;
  /**
   * Makes staged bytes readable under their content address, keeping one copy if the same bytes are there. They
   * stay staged too until `unstage`, so a publish whose record rolled back can run again. Throws
   * ImageDataNotFound when the bytes are neither staged nor published.
   */
  publish(data: StagedImageData): Promise<void>;
  /** Drops a staged copy (published bytes stay); dropping it again succeeds. */
  unstage(staged: string): Promise<void>;
  /**
   * Drops every copy staged for `owner`: those of attempts that died or were retried mid-stage too, whose names
   * nobody got back.
   */
  unstageOwned(owner: string): Promise<void>;
  /** Stages and publishes at once, for bytes no release can race (seeded images, tests). */
  write(source: AsyncIterable<Uint8Array>): Promise<StoredImageData>;
  /** The bytes stored under `sha256`; throws ImageDataNotFound when there are none. */
  read(sha256: string): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
  /** Removes the bytes; removing bytes that are not there succeeds. */
  remove(sha256: string): Promise<void>;
  /** Every content address that has bytes: what a sweep of unheld bytes reads. */
  listPublished(): Promise<string[]>;
  /** When the bytes under `sha256` were last written or published again; undefined when there are none. */
  writtenAt(sha256: string): Promise<Date | undefined>;
  /** The identity a database claimed the store with (see claimIdentity); undefined before any claim. */
  identity(): Promise<string | undefined>;
  /**
   * Gives the store `candidate` as its identity unless it has one already, and returns the identity it has: the
   * database that recorded it owns the store, so a sweep run against another database can tell.
   */
  claimIdentity(candidate: string): Promise<string>;
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

/** Bytes staged and not yet published: `staged` names them in the store until unstage. */
export interface StagedImageData extends StoredImageData {
  staged: string;
}

/** Thrown when no bytes are stored under a content address. */
export class ImageDataNotFound extends Error {
  constructor(readonly sha256: string) {
    super(`no image data stored under ${sha256}`);
    this.name = 'ImageDataNotFound';
  }
}

/** Thrown when the store's identity file names no identity (written by hand, or damaged). */
export class ImageStoreIdentityUnreadable extends Error {
  constructor(readonly file: string) {
    super(`the image store's identity in ${file} is not a UUID: write the id its database recorded there`);
    this.name = 'ImageStoreIdentityUnreadable';
  }
}

/** Thrown when a copy is staged for an owner that is not an image's id (a UUID). */
export class InvalidStagingOwner extends Error {
  constructor(readonly owner: string) {
    super(`staged image copies are owned by an image id, not ${JSON.stringify(owner)}`);
    this.name = 'InvalidStagingOwner';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SHARD = /^[0-9a-f]{2}$/;
/** The file at a store's root naming its identity (claimIdentity). */
export const IDENTITY_FILE = 'store-id';
/** link(2) errors that mean the file cannot get a second name here, rather than that something is wrong. */
const NO_SECOND_NAME = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);
const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID = new RegExp(`^${UUID_TEXT}$`, 'i');
/** `<uuid>`, or `<owner uuid>.<uuid>` for a copy staged for an owner. */
const STAGED_NAME = new RegExp(`^(${UUID_TEXT}\\.)?${UUID_TEXT}$`, 'i');
/** `<sha256>.<uuid>` beside published bytes: a copy into place that its process died writing. */
const HALF_COPY = new RegExp(`^[0-9a-f]{64}\\.${UUID_TEXT}$`);
/** Staged bytes wait for their record for seconds; a week means nothing will publish them. */
const STAGED_KEEP_MS = 7 * 24 * 3600 * 1000;
const SWEEP_EVERY_MS = 3600 * 1000;
/** Reads in 1 MiB pieces: a guest disk in one, where the stream's 64 KiB default took sixteen round trips. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A content-addressed directory: `<root>/<first two hex digits>/<sha256>`; staged bytes wait in
 * `<root>/incoming/<owner>.<uuid>` (or `<uuid>` without an owner), and publishing links them into place.
 */
export class LocalImageStore implements ImageStore {
  private lastSweep = 0;

  constructor(readonly root: string) {}

  async stage(source: AsyncIterable<Uint8Array>, owner?: string): Promise<StagedImageData> {
    if (owner !== undefined && !UUID.test(owner)) throw new InvalidStagingOwner(owner);
    await fs.mkdir(this.incoming, { recursive: true });
    await this.sweepIfDue();
    const staged = owner === undefined ? randomUUID() : `${owner.toLowerCase()}.${randomUUID()}`;
    const temp = this.stagedPath(staged);
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
    const digests = { md5: hashes.md5.digest('hex'), sha512: hashes.sha512.digest('hex'), sizeBytes };
    return { sha256: hashes.sha256.digest('hex'), ...digests, staged };
  }

  async publish(data: StagedImageData): Promise<void> {
    const target = this.pathOf(data.sha256);
    const staged = this.stagedPath(data.staged);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // A second name for the staged file: the bytes are readable at once, and stay staged for a publish again.
    // Where a file cannot get one (another filesystem, a file system without hard links, another user's file
    // under protected_hardlinks), a copy goes into place instead.
    await fs
      .link(staged, target)
      .catch((err: NodeJS.ErrnoException) => {
        if (!NO_SECOND_NAME.has(err.code ?? '')) throw err;
        return this.copyIntoPlace(staged, target);
      })
      .catch(async (err: NodeJS.ErrnoException) => {
        // The same bytes were there: they are published again now, which a sweep's cutoff must see.
        if (err.code === 'EEXIST') return this.touch(target);
        if (err.code !== 'ENOENT') throw err;
        // Unstaged already: published before, unless a release removed them since.
        if (!(await this.has(data.sha256))) throw new ImageDataNotFound(data.sha256);
      });
  }

  private async touch(file: string): Promise<void> {
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => undefined);
  }

  private async copyIntoPlace(staged: string, target: string): Promise<void> {
    const copy = `${target}.${randomUUID()}`;
    try {
      await fs.copyFile(staged, copy);
      await fs.rename(copy, target);
    } finally {
      await fs.rm(copy, { force: true });
    }
  }

  async unstage(staged: string): Promise<void> {
    if (!STAGED_NAME.test(staged)) return;
    await fs.rm(this.stagedPath(staged), { force: true });
  }

  async unstageOwned(owner: string): Promise<void> {
    if (!UUID.test(owner)) return;
    const names = await fs.readdir(this.incoming).catch(() => [] as string[]);
    const prefix = `${owner.toLowerCase()}.`;
    const drops = await Promise.allSettled(names.filter((n) => n.startsWith(prefix)).map((n) => this.unstage(n)));
    const failed = drops.find((d) => d.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<StoredImageData> {
    const { staged, ...stored } = await this.stage(source);
    await this.publish({ ...stored, staged });
    await this.unstage(staged);
    return stored;
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

  async listPublished(): Promise<string[]> {
    const files = await this.shardFiles((name, shard) => SHA256_HEX.test(name) && name.startsWith(shard));
    return files.map((file) => path.basename(file));
  }

  /** The files of every shard directory whose name `keep` accepts, as paths. */
  private async shardFiles(keep: (name: string, shard: string) => boolean): Promise<string[]> {
    const shards = (await fs.readdir(this.root).catch(() => [] as string[])).filter((n) => SHARD.test(n));
    const out: string[] = [];
    for (const shard of shards) {
      const names = await fs.readdir(path.join(this.root, shard)).catch(() => [] as string[]);
      out.push(...names.filter((name) => keep(name, shard)).map((name) => path.join(this.root, shard, name)));
    }
    return out;
  }

  async writtenAt(sha256: string): Promise<Date | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const stat = await fs.stat(this.pathOf(sha256)).catch(() => null);
    return stat?.isFile() ? stat.mtime : undefined;
  }

  async identity(): Promise<string | undefined> {
    const text = await fs.readFile(path.join(this.root, IDENTITY_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text === undefined) return undefined;
    const id = text.trim();
    if (!UUID.test(id)) throw new ImageStoreIdentityUnreadable(path.join(this.root, IDENTITY_FILE));
    return id;
  }

  async claimIdentity(candidate: string): Promise<string> {
    if (!UUID.test(candidate)) throw new ImageStoreIdentityUnreadable(candidate);
    await fs.mkdir(this.root, { recursive: true });
    // Written whole and synced under a name of its own, then linked into place: the identity is never seen half
    // written, and of two claims at once exactly one link succeeds.
    const temp = path.join(this.root, `${IDENTITY_FILE}.${randomUUID()}`);
    try {
      const handle = await fs.open(temp, 'wx');
      try {
        await handle.writeFile(`${candidate}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.link(temp, path.join(this.root, IDENTITY_FILE));
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return (await this.identity())!;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /**
   * Removes staged copies older than `cutoff` (a host that died while staging, a snapshot retried after its
   * staging finished, a snapshot cancelled while its host staged), and copies into place whose process died
   * before renaming them. Nothing publishes them any more.
   */
  async sweepAbandoned(cutoff: Date): Promise<number> {
    const staged = (await fs.readdir(this.incoming).catch(() => [] as string[])).map((n) =>
      path.join(this.incoming, n),
    );
    const halfCopies = await this.shardFiles((name) => HALF_COPY.test(name));
    let removed = 0;
    for (const file of [...staged, ...halfCopies]) {
      const stat = await fs.stat(file).catch(() => null);
      if (stat && stat.mtime < cutoff) {
        await fs.rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** At most once an hour per process, on the way into a stage: a store has no housekeeping of its own. */
  private async sweepIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    await this.sweepAbandoned(new Date(now - STAGED_KEEP_MS)).catch(() => undefined);
  }

  private get incoming(): string {
    return path.join(this.root, 'incoming');
  }

  /** Staged names come back through workflow payloads: only the names stage gives name a file. */
  private stagedPath(staged: string): string {
    if (!STAGED_NAME.test(staged)) throw new ImageDataNotFound(`staged ${staged}`);
    return path.join(this.incoming, staged);
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new ImageDataNotFound(sha256);
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }
}
