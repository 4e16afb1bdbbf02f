import { randomUUID } from 'node:crypto';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, type Sql } from '../../activities/conductor/db';
import { activateImage, discardImage, dropStaged } from '../../activities/conductor/images';
import { releaseImageData } from '../../image-data/holders';
import {
  claimImageStore,
  ImageStoreOfAnotherDatabase,
  sweepUnheldImageData,
  UnclaimedImageStore,
} from '../../activities/conductor/image-sweep';
import { abortUpload, activateUpload, deleteImage } from '../../api/image/record-store';
import { IDENTITY_FILE, ImageStoreIdentityUnreadable, LocalImageStore } from '../../storage/image-store';
import { createLogger } from '../../worker/logger';
import { startImageSweeper } from '../../worker/image-sweeper';
import { waitFor } from '../../worker/infra/ports';
import { stagedCopies } from '../support/staged-copies';
import { cloneDatabase } from '../support/test-stack';

// Bytes are shared by content address. A snapshot's host (or an upload) stores them before the image record
// holds them; a delete of another image with the same bytes in that moment must not take them away.

let sql: Sql;
let root: string;
let store: LocalImageStore;

beforeAll(async () => {
  sql = connectDatabase(await cloneDatabase(`image_bytes_${process.pid}`), 4);
  root = mkdtempSync(path.join(os.tmpdir(), 'image-bytes-'));
  store = new LocalImageStore(root);
  // As the migrate job claims a deployment's store.
  await claimImageStore(sql, store);
});

afterAll(async () => {
  await sql.end();
  await fs.rm(root, { recursive: true, force: true });
});

async function* chunks(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

async function readAll(sha256: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of await store.read(sha256)) parts.push(part as Buffer);
  return Buffer.concat(parts).toString();
}

async function imageRow(status: string, sha256: string | null = null): Promise<string> {
  const id = randomUUID();
  await sql`INSERT INTO images (id, name, status, store_sha256) VALUES (${id}, 'image', ${status}, ${sha256})`;
  return id;
}

async function statusOf(id: string): Promise<string | undefined> {
  const [row] = await sql<{ status: string }[]>`SELECT status FROM images WHERE id = ${id}`;
  return row?.status;
}

/** A promise and what settles it: one side of the test waits for the other. */
function signal(): [Promise<void>, () => void] {
  let fire: () => void = () => undefined;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return [fired, fire];
}

/** Until a transaction of this database waits for an advisory lock; throws after two seconds. */
async function waitForLockWaiter(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no transaction waited for an advisory lock within two seconds');
}

/** An older image with the given bytes is deleted, as the conductor deletes one (a snapshot failed, unshelve). */
async function deleteImageHolding(text: string): Promise<string> {
  const { sha256 } = await store.write(chunks(text));
  const older = await imageRow('active', sha256);
  const released = await sql.begin((tx) => discardImage(tx, older));
  await releaseImageData(sql, store, released);
  return sha256;
}

it('keeps a snapshot’s bytes that a delete of an identical image released before the snapshot was recorded', async () => {
  const text = `guest disk ${randomUUID()}`;
  const snapshot = await imageRow('saving');
  const staged = await store.stage(chunks(text), snapshot);
  // No live image holds the bytes yet: the release removes the older image's copy.
  const sha256 = await deleteImageHolding(text);
  expect(await store.has(sha256)).toBe(false);

  await sql.begin((tx) => activateImage(tx, store, snapshot, staged));
  await dropStaged(store, snapshot, staged.staged);
  expect(await statusOf(snapshot)).toBe('active');
  expect(await readAll(sha256)).toBe(text);
});

it('lets a second attempt of an activation find it done when the first deleted the image as it committed', async () => {
  const text = `guest disk ${randomUUID()}`;
  const backup = await imageRow('saving');
  const staged = await store.stage(chunks(text), backup);
  // A backup at rotation 0: activated and rotated out in one transaction, its bytes released after it.
  const released = await sql.begin(async (tx) => {
    await activateImage(tx, store, backup, staged);
    return discardImage(tx, backup);
  });
  await dropStaged(store, backup, staged.staged);
  expect(await releaseImageData(sql, store, released)).toBe(true);

  await sql.begin((tx) => activateImage(tx, store, backup, staged));
  expect(await statusOf(backup)).toBe('deleted');
  expect(await store.has(staged.sha256)).toBe(false);

  // An image deleted before any activation recorded bytes on it cannot take the snapshot.
  const failed = await imageRow('deleted');
  const other = await store.stage(chunks(`guest disk ${randomUUID()}`), failed);
  await expect(sql.begin((tx) => activateImage(tx, store, failed, other))).rejects.toThrow(/can no longer take/);
  await dropStaged(store, failed, other.staged);
});

it('keeps recorded snapshot bytes when an identical image is deleted afterwards', async () => {
  const text = `guest disk ${randomUUID()}`;
  const snapshot = await imageRow('saving');
  const staged = await store.stage(chunks(text), snapshot);
  await sql.begin((tx) => activateImage(tx, store, snapshot, staged));
  await dropStaged(store, snapshot, staged.staged);

  const sha256 = await deleteImageHolding(text);
  expect(await readAll(sha256)).toBe(text);
  expect(await fs.readdir(path.join(root, 'incoming'))).toEqual([]);
});

it('publishes a snapshot’s bytes after a release of the same bytes in progress, not before its remove', async () => {
  const text = `guest disk ${randomUUID()}`;
  const { sha256 } = await store.write(chunks(text));
  const older = await imageRow('active', sha256);
  const snapshot = await imageRow('saving');
  const staged = await store.stage(chunks(text), snapshot);
  // A release that has found the bytes unheld and is about to remove them, under their lock.
  const [removeCalled, removing] = signal();
  const [mayRemove, letRemove] = signal();
  const gated = Object.assign(Object.create(store) as LocalImageStore, {
    remove: async (sha: string) => {
      removing();
      await mayRemove;
      await store.remove(sha);
    },
  });
  const released = await sql.begin((tx) => discardImage(tx, older));
  const releasing = releaseImageData(sql, gated, released);
  await removeCalled;

  const activating = sql.begin((tx) => activateImage(tx, store, snapshot, staged));
  await waitForLockWaiter();
  letRemove();
  await Promise.all([releasing, activating]);
  await dropStaged(store, snapshot, staged.staged);
  expect(await statusOf(snapshot)).toBe('active');
  expect(await readAll(sha256)).toBe(text);
});

it('keeps an upload’s bytes that a delete of an identical image released before the upload was recorded', async () => {
  const text = `uploaded ${randomUUID()}`;
  const upload = await imageRow('saving');
  const staged = await store.stage(chunks(text));
  const sha256 = await deleteImageHolding(text);

  expect(await activateUpload(sql, upload, staged, store)).toMatchObject({ status: 'active', store_sha256: sha256 });
  await store.unstage(staged.staged);
  expect(await readAll(sha256)).toBe(text);
});

it('publishes nothing for an upload whose image was deleted during it', async () => {
  const text = `uploaded ${randomUUID()}`;
  const deleted = await imageRow('deleted');
  const staged = await store.stage(chunks(text));
  expect(await activateUpload(sql, deleted, staged, store)).toBeNull();
  await store.unstage(staged.staged);
  expect(await store.has(staged.sha256)).toBe(false);
});

it('keeps the bytes of an upload whose activation committed although the API saw it fail', async () => {
  const text = `uploaded ${randomUUID()}`;
  const upload = await imageRow('saving');
  const staged = await store.stage(chunks(text));
  await activateUpload(sql, upload, staged, store);
  await store.unstage(staged.staged);
  // The connection dropped with the COMMIT's answer: the API aborts the upload it believes failed.
  await abortUpload(sql, upload, store, staged.sha256);
  expect(await statusOf(upload)).toBe('active');
  expect(await readAll(staged.sha256)).toBe(text);
});

it('drops the copies of snapshot attempts that died mid-stage, whatever the snapshot’s outcome', async () => {
  const succeeded = await imageRow('saving');
  const failed = await imageRow('saving');
  const other = await store.stage(chunks(`another image ${randomUUID()}`), randomUUID());
  // Each snapshot's first attempt died with its host: nobody got the name of what it staged.
  await store.stage(chunks(`first attempt ${randomUUID()}`), succeeded);
  await store.stage(chunks(`first attempt ${randomUUID()}`), failed);
  const text = `guest disk ${randomUUID()}`;
  const retried = await store.stage(chunks(text), succeeded);

  await sql.begin((tx) => activateImage(tx, store, succeeded, retried));
  await dropStaged(store, succeeded, retried.staged);
  // The failed snapshot's workflow never got a result from its host.
  await dropStaged(store, failed, undefined);
  expect(await stagedCopies(root)).toEqual([other.staged]);
  expect(await readAll(retried.sha256)).toBe(text);
  await store.unstage(other.staged);
});

it('drops the copy of an upload whose API process died when its image is deleted', async () => {
  const upload = await imageRow('saving');
  await store.stage(chunks(`uploaded ${randomUUID()}`), upload);
  expect(await deleteImage(sql, upload, store, () => undefined)).toMatchObject({ status: 'deleted' });
  expect(await stagedCopies(root)).toEqual([]);
});

describe('the sweep of bytes no image holds', () => {
  const inAMinute = () => new Date(Date.now() + 60_000);

  it('releases bytes whose activation rolled back, and keeps those an image holds or that are recent', async () => {
    const orphan = await imageRow('saving');
    const staged = await store.stage(chunks(`rolled back ${randomUUID()}`), orphan);
    // The conductor died before its commit, and no run will take the activation up again.
    const died = sql.begin(async (tx) => {
      await activateImage(tx, store, orphan, staged);
      throw new Error('conductor died');
    });
    await expect(died).rejects.toThrow('conductor died');
    expect(await store.has(staged.sha256)).toBe(true);
    const heldText = `held ${randomUUID()}`;
    const held = await store.write(chunks(heldText));
    await imageRow('active', held.sha256);

    const early = await sweepUnheldImageData(sql, store, new Date(Date.now() - 60_000));
    expect(early.released).not.toContain(staged.sha256);
    expect(await store.has(staged.sha256)).toBe(true);
    expect((await sweepUnheldImageData(sql, store, inAMinute())).released).toContain(staged.sha256);
    expect(await store.has(staged.sha256)).toBe(false);
    expect(await readAll(held.sha256)).toBe(heldText);
    await store.unstageOwned(orphan);
  });

  it('runs in the conductor by itself, after its start and then again', async () => {
    const log = createLogger('test', { level: 'silent' });
    const stop = startImageSweeper(sql, store, log, { firstAfterMs: 10, everyMs: 50, unheldForMs: 0 });
    try {
      const first = await store.write(chunks(`unheld ${randomUUID()}`));
      await waitFor('the first sweep', async () => !(await store.has(first.sha256)), 5_000);
      const later = await store.write(chunks(`unheld later ${randomUUID()}`));
      await waitFor('a later sweep', async () => !(await store.has(later.sha256)), 5_000);
    } finally {
      await stop();
    }
    const afterStop = await store.write(chunks(`unheld after the stop ${randomUUID()}`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await store.has(afterStop.sha256)).toBe(true);
    await store.remove(afterStop.sha256);
  });

  /** A store of its own for a test, removed after it. */
  async function withScratchStore(test: (scratch: LocalImageStore, root: string) => Promise<void>): Promise<void> {
    const scratchRoot = mkdtempSync(path.join(os.tmpdir(), 'image-bytes-scratch-'));
    try {
      await test(new LocalImageStore(scratchRoot), scratchRoot);
    } finally {
      await fs.rm(scratchRoot, { recursive: true, force: true });
    }
  }

  it('sweeps nothing in a store another database claimed', async () => {
    await withScratchStore(async (other) => {
      await other.claimIdentity(randomUUID());
      const bytes = await other.write(chunks(`the other system's ${randomUUID()}`));
      await expect(sweepUnheldImageData(sql, other, inAMinute())).rejects.toBeInstanceOf(ImageStoreOfAnotherDatabase);
      expect(await other.has(bytes.sha256)).toBe(true);
    });
  });

  it('sweeps no store until the migrate job claimed it, and two claims at once record one', async () => {
    await withScratchStore(async (fresh) => {
      const bytes = await fresh.write(chunks(`written before any claim ${randomUUID()}`));
      await expect(sweepUnheldImageData(sql, fresh, inAMinute())).rejects.toBeInstanceOf(UnclaimedImageStore);
      expect(await fresh.has(bytes.sha256)).toBe(true);

      const claimsBefore = await sql`SELECT id FROM image_stores`;
      const [first, second] = await Promise.all([claimImageStore(sql, fresh), claimImageStore(sql, fresh)]);
      expect(second).toBe(first);
      expect(await sql`SELECT id FROM image_stores`).toHaveLength(claimsBefore.length + 1);
      expect((await sweepUnheldImageData(sql, fresh, inAMinute())).released).toEqual([bytes.sha256]);
    });
  });

  it('refuses a store whose identity file is damaged, and removes nothing', async () => {
    await withScratchStore(async (damaged, damagedRoot) => {
      const bytes = await damaged.write(chunks(`kept ${randomUUID()}`));
      await fs.writeFile(path.join(damagedRoot, IDENTITY_FILE), '');
      const sweeping = sweepUnheldImageData(sql, damaged, inAMinute());
      await expect(sweeping).rejects.toBeInstanceOf(ImageStoreIdentityUnreadable);
      await expect(claimImageStore(sql, damaged)).rejects.toBeInstanceOf(ImageStoreIdentityUnreadable);
      expect(await damaged.has(bytes.sha256)).toBe(true);
    });
  });

  it('keeps bytes an activation is publishing while it sweeps', async () => {
    const text = `activating ${randomUUID()}`;
    const snapshot = await imageRow('saving');
    const staged = await store.stage(chunks(text), snapshot);
    const [mayCommit, commit] = signal();
    const [wasPublished, published] = signal();
    const activating = sql.begin(async (tx) => {
      await activateImage(tx, store, snapshot, staged);
      published();
      await mayCommit;
    });
    await wasPublished;

    const sweeping = sweepUnheldImageData(sql, store, inAMinute());
    await waitForLockWaiter();
    commit();
    await Promise.all([activating, sweeping]);
    expect(await statusOf(snapshot)).toBe('active');
    expect(await readAll(staged.sha256)).toBe(text);
    await dropStaged(store, snapshot, staged.staged);
  });
});
