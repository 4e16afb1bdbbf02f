import { randomUUID } from 'node:crypto';
import type { ImageStore } from '../../storage/image-store';
import { IMAGE_STATUSES_NOT_HOLDING_BYTES } from '../../domain/states';
import type { Sql } from './db';
import { releaseImageData } from '../../image-data/holders';

/** Thrown when the store was claimed by another database: its records say nothing about what this one holds. */
export class ImageStoreOfAnotherDatabase extends Error {
  constructor(readonly storeId: string) {
    super(`the image store ${storeId} belongs to another database: not swept`);
    this.name = 'ImageStoreOfAnotherDatabase';
  }
}

/** Thrown when no database has claimed the store yet: the migrate job claims it for its deployment's database. */
export class UnclaimedImageStore extends Error {
  constructor() {
    super('the image store has not been claimed by this database: run the migrate job to claim it; not swept');
    this.name = 'UnclaimedImageStore';
  }
}

export interface SweepOutcome {
  released: string[];
  failed: { sha256: string; err: unknown }[];
}

/**
 * Releases bytes in the store that no live image holds and that were written before `cutoff`: those of an upload
 * whose API process died between publishing them and its commit, or of a snapshot whose activation rolled back
 * before an operator terminated its run. Each goes through the release (the address's lock, then the holder and
 * the cutoff checked again), so bytes an activation is publishing at that moment stay. The cutoff spares bytes
 * that a host serving an older conductor, or an older API, published before their record. A failed release
 * leaves the rest to go on.
 */
export async function sweepUnheldImageData(
  sql: Sql,
  images: ImageStore,
  cutoff: Date,
  stopping: () => boolean = () => false,
): Promise<SweepOutcome> {
  await checkOwnership(sql, images);
  const rows = await sql<{ store_sha256: string }[]>`
    SELECT DISTINCT store_sha256 FROM images
    WHERE store_sha256 IS NOT NULL AND status NOT IN ${sql(IMAGE_STATUSES_NOT_HOLDING_BYTES as string[])}`;
  const held = new Set(rows.map((r) => r.store_sha256));
  const outcome: SweepOutcome = { released: [], failed: [] };
  for (const sha256 of await images.listPublished()) {
    if (stopping()) break;
    if (held.has(sha256)) continue;
    try {
      if (await releaseImageData(sql, images, sha256, cutoff)) outcome.released.push(sha256);
    } catch (err) {
      outcome.failed.push({ sha256, err });
    }
  }
  return outcome;
}

/**
 * Claims the store for this database unless a database has: the migrate job does, run against its deployment's
 * database with that deployment's store, so a conductor never claims one. Returns the store's identity.
 */
export async function claimImageStore(sql: Sql, images: ImageStore): Promise<string> {
  const existing = await images.identity();
  if (existing !== undefined) return existing;
  const candidate = randomUUID();
  await sql`INSERT INTO image_stores (id) VALUES (${candidate})`;
  const claimed = await images.claimIdentity(candidate).catch(async (err: unknown) => {
    await sql`DELETE FROM image_stores WHERE id = ${candidate}`;
    throw err;
  });
  if (claimed !== candidate) await sql`DELETE FROM image_stores WHERE id = ${candidate}`;
  return claimed;
}

/** The store is this database's: claimed, and the claim recorded here. */
async function checkOwnership(sql: Sql, images: ImageStore): Promise<void> {
  const storeId = await images.identity();
  if (storeId === undefined) throw new UnclaimedImageStore();
  const [owned] = await sql`SELECT 1 FROM image_stores WHERE id = ${storeId}`;
  if (!owned) throw new ImageStoreOfAnotherDatabase(storeId);
}
