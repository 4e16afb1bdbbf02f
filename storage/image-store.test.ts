import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  IDENTITY_FILE,
  ImageDataNotFound,
  ImageStoreIdentityUnreadable,
  InvalidStagingOwner,
  LocalImageStore,
} from './image-store';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts).toString();
}

let root: string;
let store: LocalImageStore;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'image-store-'));
  store = new LocalImageStore(root);
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('LocalImageStore', () => {
  it('stores bytes under their SHA-256 and reports the digests Glance shows', async () => {
    const stored = await store.write(chunks('disk ', 'bytes'));
    const digest = (algo: string) => createHash(algo).update('disk bytes').digest('hex');
    expect(stored).toEqual({ sha256: digest('sha256'), md5: digest('md5'), sha512: digest('sha512'), sizeBytes: 10 });
    expect(await readAll(await store.read(stored.sha256))).toBe('disk bytes');
    expect(await store.has(stored.sha256)).toBe(true);
  });

  it('keeps one copy of identical bytes and leaves no temporary files behind', async () => {
    const first = await store.write(chunks('same'));
    const second = await store.write(chunks('sa', 'me'));
    expect(second.sha256).toBe(first.sha256);
    expect(await fs.readdir(path.join(root, 'incoming'))).toEqual([]);
  });

  it('removes bytes, and removing them again succeeds', async () => {
    const { sha256 } = await store.write(chunks('gone soon'));
    await store.remove(sha256);
    await store.remove(sha256);
    expect(await store.has(sha256)).toBe(false);
    await expect(store.read(sha256)).rejects.toBeInstanceOf(ImageDataNotFound);
  });

  it('refuses addresses that are not SHA-256 digests instead of touching other paths', async () => {
    await expect(store.read('../../etc/passwd')).rejects.toBeInstanceOf(ImageDataNotFound);
    expect(await store.has('../x')).toBe(false);
  });

  it('keeps staged bytes out of sight until they are published', async () => {
    const staged = await store.stage(chunks('snapshot'));
    expect(await store.has(staged.sha256)).toBe(false);
    await expect(store.read(staged.sha256)).rejects.toBeInstanceOf(ImageDataNotFound);
    await store.publish(staged);
    expect(await readAll(await store.read(staged.sha256))).toBe('snapshot');
  });

  it('publishes staged bytes again after a remove of the same bytes, until they are unstaged', async () => {
    const staged = await store.stage(chunks('shared'));
    await store.write(chunks('shared'));
    // Another image's bytes, identical, are released while the snapshot's wait for their record.
    await store.remove(staged.sha256);
    await store.publish(staged);
    await store.publish(staged);
    expect(await readAll(await store.read(staged.sha256))).toBe('shared');

    await store.unstage(staged.staged);
    await store.unstage(staged.staged);
    expect(await fs.readdir(path.join(root, 'incoming'))).toEqual([]);
    // Published once, the bytes outlive their staged copy; a publish again finds them in place.
    await store.publish(staged);
    await store.remove(staged.sha256);
    await expect(store.publish(staged)).rejects.toBeInstanceOf(ImageDataNotFound);
  });

  it('publishes a copy where the staged file cannot get a second name (another filesystem)', async () => {
    const staged = await store.stage(chunks('elsewhere'));
    const link = jest
      .spyOn(fs, 'link')
      .mockRejectedValue(Object.assign(new Error('cross-device link not permitted'), { code: 'EXDEV' }));
    try {
      await store.publish(staged);
      await store.publish(staged);
      expect(link).toHaveBeenCalledTimes(2);
    } finally {
      link.mockRestore();
    }
    await store.unstage(staged.staged);
    expect(await readAll(await store.read(staged.sha256))).toBe('elsewhere');
    const shard = path.join(root, staged.sha256.slice(0, 2));
    expect(await fs.readdir(shard)).toEqual([staged.sha256]);
  });

  it('names staged bytes only as it named them', async () => {
    const staged = await store.stage(chunks('x'));
    await expect(store.publish({ ...staged, staged: '../../etc/passwd' })).rejects.toBeInstanceOf(ImageDataNotFound);
    // A name that walks out of incoming/ touches nothing there or beside it.
    await fs.writeFile(path.join(root, 'beside'), 'kept');
    await store.unstage('../beside');
    expect(await fs.readFile(path.join(root, 'beside'), 'utf8')).toBe('kept');
    expect(await fs.readdir(path.join(root, 'incoming'))).toEqual([staged.staged]);
  });

  it('drops every copy staged for an owner, the ones nobody got a name back for too, and no one else’s', async () => {
    const imageId = randomUUID();
    const other = randomUUID();
    const returned = await store.stage(chunks('attempt 2'), imageId);
    expect(returned.staged).toMatch(new RegExp(`^${imageId}\\.[0-9a-f-]{36}$`));
    // An attempt that died mid-stage: its stager is gone, its partial file is not.
    let dying: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (dying = resolve));
    let die: (err: Error) => void = () => undefined;
    const dead = new Promise<never>((_, reject) => (die = reject));
    async function* cutShort(): AsyncIterable<Uint8Array> {
      yield Buffer.from('attempt 1, first chunk');
      dying();
      await dead;
    }
    const dyingStage = store.stage(cutShort(), imageId.toUpperCase());
    await started;
    const kept = await store.stage(chunks('another image'), other);
    const unowned = await store.stage(chunks('an upload'));
    expect(await fs.readdir(path.join(root, 'incoming'))).toHaveLength(4);

    await store.publish(returned);
    await store.unstageOwned(imageId);
    expect((await fs.readdir(path.join(root, 'incoming'))).sort()).toEqual([kept.staged, unowned.staged].sort());
    expect(await readAll(await store.read(returned.sha256))).toBe('attempt 2');
    await store.unstageOwned(imageId);
    die(new Error('killed'));
    await expect(dyingStage).rejects.toThrow('killed');
  });

  it('stages only for an owner that is an image id', async () => {
    await expect(store.stage(chunks('x'), '../escape')).rejects.toBeInstanceOf(InvalidStagingOwner);
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('sweeps staged copies a week old on the way into a stage, and keeps younger ones', async () => {
    const stale = await new LocalImageStore(root).stage(chunks('abandoned'));
    const young = await new LocalImageStore(root).stage(chunks('waiting'));
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    await fs.utimes(path.join(root, 'incoming', stale.staged), eightDaysAgo, eightDaysAgo);
    const next = await store.stage(chunks('next'));
    expect((await fs.readdir(path.join(root, 'incoming'))).sort()).toEqual([young.staged, next.staged].sort());
  });

  it('sweeps a week-old copy into place that its process died writing, and keeps younger ones and the bytes', async () => {
    const published = await store.write(chunks('published'));
    const shard = path.join(root, published.sha256.slice(0, 2));
    const [stale, young] = [`${published.sha256}.${randomUUID()}`, `${published.sha256}.${randomUUID()}`];
    await fs.writeFile(path.join(shard, stale), 'half a cop');
    await fs.writeFile(path.join(shard, young), 'being cop');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    await fs.utimes(path.join(shard, stale), eightDaysAgo, eightDaysAgo);
    await fs.utimes(path.join(shard, published.sha256), eightDaysAgo, eightDaysAgo);
    await new LocalImageStore(root).stage(chunks('next'));
    expect((await fs.readdir(shard)).sort()).toEqual([published.sha256, young].sort());
    expect(await readAll(await store.read(published.sha256))).toBe('published');
  });

  it('lists published bytes and when they were written, and no staged copy', async () => {
    const published = await store.write(chunks('published'));
    await store.stage(chunks('staged only'));
    expect(await store.listPublished()).toEqual([published.sha256]);
    const { mtime } = await fs.stat(path.join(root, published.sha256.slice(0, 2), published.sha256));
    expect(await store.writtenAt(published.sha256)).toEqual(mtime);
    expect(await store.writtenAt('0'.repeat(64))).toBeUndefined();
  });

  it('counts the same bytes published again as written then', async () => {
    const first = await store.write(chunks('again'));
    const file = path.join(root, first.sha256.slice(0, 2), first.sha256);
    const longAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await fs.utimes(file, longAgo, longAgo);
    await store.write(chunks('again'));
    expect((await store.writtenAt(first.sha256))!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps the identity it was first claimed with', async () => {
    expect(await store.identity()).toBeUndefined();
    const first = randomUUID();
    expect(await store.claimIdentity(first)).toBe(first);
    expect(await new LocalImageStore(root).claimIdentity(randomUUID())).toBe(first);
    expect(await store.identity()).toBe(first);
    expect(await store.listPublished()).toEqual([]);
    expect(await fs.readdir(root)).toEqual([IDENTITY_FILE]);
  });

  it('refuses an identity file that names no identity instead of taking the store as unclaimed', async () => {
    await fs.writeFile(path.join(root, IDENTITY_FILE), 'half a uu');
    await expect(store.identity()).rejects.toBeInstanceOf(ImageStoreIdentityUnreadable);
    await expect(store.claimIdentity(randomUUID())).rejects.toBeInstanceOf(ImageStoreIdentityUnreadable);
  });

  it('drops the partial file when the source fails mid-stream', async () => {
    async function* broken(): AsyncIterable<Uint8Array> {
      yield Buffer.from('half');
      throw new Error('connection reset');
    }
    await expect(store.write(broken())).rejects.toThrow('connection reset');
    expect(await fs.readdir(path.join(root, 'incoming'))).toEqual([]);
  });
});
