import type { Sql, TransactionSql } from 'postgres';
import { imageDataLockKey } from '../domain/naming';
import { IMAGE_STATUSES_NOT_HOLDING_BYTES } from '../domain/states';
import type { ImageStore } from '../storage/image-store';

type Queryable = Sql | TransactionSql;

/**
 * Serializes, per content address, what decides whether bytes stay: a release (holder check, then remove) and an
 * activation (the record takes the address, then the bytes are published). Transaction-scoped.
 */
export async function lockImageData(tx: Queryable, sha256: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${imageDataLockKey(sha256)}, 0))`;
}

/** Whether a live image (any status but those in IMAGE_STATUSES_NOT_HOLDING_BYTES) records these bytes. */
export async function heldByLiveImage(tx: Queryable, sha256: string): Promise<boolean> {
  const [row] = await tx`
    SELECT 1 FROM images
    WHERE store_sha256 = ${sha256} AND status NOT IN ${tx(IMAGE_STATUSES_NOT_HOLDING_BYTES as string[])} LIMIT 1`;
  return row !== undefined;
}

/**
 * Removes bytes from the store when no live image holds them any more. Runs in a transaction of its own after
 * the change that let them go committed (a rollback can never leave a live image without bytes) and under the
 * content address's lock (an image being made active with the same bytes waits, then finds them gone). With
 * `writtenBefore`, only bytes written before then go (a sweep's cutoff, checked again under the lock). True when
 * they were removed. The image service and the conductor both release through here.
 */
export async function releaseImageData(
  sql: Sql,
  images: ImageStore,
  sha256: string | null,
  writtenBefore?: Date,
): Promise<boolean> {
  if (!sha256) return false;
  return sql.begin(async (tx) => {
    await lockImageData(tx, sha256);
    if (await heldByLiveImage(tx, sha256)) return false;
    if (writtenBefore) {
      const writtenAt = await images.writtenAt(sha256);
      if (writtenAt === undefined || writtenAt >= writtenBefore) return false;
    }
    await images.remove(sha256);
    return true;
  });
}
