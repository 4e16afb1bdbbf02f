import type { Sql } from 'postgres';
import type { ImageRow } from '../../domain/rows';
import { IMAGE_STATUSES_GONE } from '../../domain/states';
import { lockImageData, releaseImageData } from '../../image-data/holders';
import { ImageDataNotFound, type ImageStore, type StagedImageData } from '../../storage/image-store';
import type { NewImage } from './create-request';
import type { PatchableImage } from './patch';

/*
 * Image records are the image service's own writes, so they live here rather than in the conductor (as the
 * identity service's tokens do): they touch only the images table. Every status change is a compare-and-set
 * on the status it expects, so concurrent uploads, deletes and patches cannot step over each other.
 *
 * Bytes are shared by content address: a delete (or a failed activation) removes them only when no other
 * live image points at them. An upload stages its bytes and publishes them only when it activates its image.
 * Both run under a transaction-scoped advisory lock on the address, so an upload that activates an image for
 * the same bytes and a delete of the last image using them are serialized, and the delete never sees bytes
 * that an upload stored but has not recorded yet.
 */

/** Creates a queued image; null when the id is taken (by a live or a deleted image). */
export async function insertImage(sql: Sql, image: NewImage & { id: string }): Promise<ImageRow | null> {
  const [row] = await sql<ImageRow[]>`
    INSERT INTO images (id, name, status, disk_format, container_format, size_bytes, checksum, min_disk, min_ram,
                        visibility, owner, properties, protected, os_hidden, tags)
    VALUES (${image.id}, ${image.name}, 'queued', ${image.diskFormat}, ${image.containerFormat}, NULL, NULL,
            ${image.minDisk}, ${image.minRam}, ${image.visibility}, ${image.owner}, ${sql.json(image.properties)},
            ${image.protected}, ${image.osHidden}, ${image.tags})
    ON CONFLICT (id) DO NOTHING
    RETURNING *`;
  return row ?? null;
}

/**
 * Changes an image's attributes under a row lock: `change` sees the current row (and may throw to refuse),
 * and returns the new attributes, or null to leave the image as it is. Null when there is no live image.
 */
export async function updateImage(
  sql: Sql,
  id: string,
  change: (row: ImageRow) => PatchableImage | null,
): Promise<ImageRow | null> {
  return sql.begin(async (tx) => {
    const [row] = await tx<ImageRow[]>`
      SELECT * FROM images WHERE id = ${id} AND status NOT IN ${tx(IMAGE_STATUSES_GONE as string[])} FOR UPDATE`;
    if (!row) return null;
    const next = change(row);
    if (!next) return row;
    const [updated] = await tx<ImageRow[]>`
      UPDATE images SET
        name = ${next.name}, visibility = ${next.visibility}, protected = ${next.protected},
        os_hidden = ${next.os_hidden}, min_disk = ${next.min_disk}, min_ram = ${next.min_ram}, tags = ${next.tags},
        disk_format = ${next.disk_format}, container_format = ${next.container_format}, owner = ${next.owner},
        properties = ${tx.json(next.properties as Record<string, string>)}, updated_at = now()
      WHERE id = ${id}
      RETURNING *`;
    return updated!;
  });
}

/** queued → saving: the upload owns the image. Null when the image is not queued (or gone). */
export async function beginUpload(sql: Sql, id: string): Promise<ImageRow | null> {
  const [row] = await sql<ImageRow[]>`
    UPDATE images SET status = 'saving', updated_at = now()
    WHERE id = ${id} AND status = 'queued'
    RETURNING *`;
  return row ?? null;
}

/** Thrown when the bytes an upload staged are gone before activation could publish them. */
export class StoredBytesVanished extends Error {
  constructor(readonly sha256: string) {
    super(`image data ${sha256} was removed before the upload could use it`);
    this.name = 'StoredBytesVanished';
  }
}

/**
 * saving → active with the store's digests, and the staged bytes published with it under the address's lock, so
 * a delete of another image with the same bytes cannot remove them in between. Null when the image left `saving`
 * meanwhile (it was deleted during the upload): nothing is published then. The caller unstages the bytes.
 */
export async function activateUpload(
  sql: Sql,
  id: string,
  stored: StagedImageData,
  store: ImageStore,
): Promise<ImageRow | null> {
  return sql.begin(async (tx) => {
    await lockImageData(tx, stored.sha256);
    const [row] = await tx<ImageRow[]>`
      UPDATE images SET status = 'active', store_sha256 = ${stored.sha256}, size_bytes = ${stored.sizeBytes},
        checksum = ${stored.md5}, os_hash_algo = 'sha512', os_hash_value = ${stored.sha512}, updated_at = now()
      WHERE id = ${id} AND status = 'saving'
      RETURNING *`;
    if (!row) return null;
    await store.publish(stored).catch((err: unknown) => {
      throw err instanceof ImageDataNotFound ? new StoredBytesVanished(stored.sha256) : err;
    });
    return row;
  });
}

/**
 * saving → queued after a failed upload (Glance restores the image so the upload can be retried). Bytes the
 * upload already stored go unless a live image holds them.
 */
export async function abortUpload(sql: Sql, id: string, store: ImageStore, sha256?: string): Promise<void> {
  await sql`
    UPDATE images SET status = 'queued', size_bytes = NULL, checksum = NULL, os_hash_algo = NULL,
      os_hash_value = NULL, store_sha256 = NULL, updated_at = now()
    WHERE id = ${id} AND status = 'saving'`;
  // An activation whose commit went through although its caller saw an error left the image active: it holds them.
  if (sha256) await releaseImageData(sql, store, sha256);
}

/**
 * Marks a live image deleted under a row lock; `check` sees the row first and may throw to refuse. Once that
 * committed, the bytes go from the store unless another live image holds them, and so do copies staged for it.
 * Null when there is no live image.
 */
export async function deleteImage(
  sql: Sql,
  id: string,
  store: ImageStore,
  check: (row: ImageRow) => void,
): Promise<ImageRow | null> {
  const deleted = await sql.begin(async (tx) => {
    const [row] = await tx<ImageRow[]>`
      SELECT * FROM images WHERE id = ${id} AND status NOT IN ${tx(IMAGE_STATUSES_GONE as string[])} FOR UPDATE`;
    if (!row) return null;
    check(row);
    const [marked] = await tx<ImageRow[]>`
      UPDATE images SET status = 'deleted', updated_at = now() WHERE id = ${id} RETURNING *`;
    return marked!;
  });
  if (deleted?.store_sha256) await releaseImageData(sql, store, deleted.store_sha256);
  // An upload whose API process died left its staged copy; one still running gets a 410 when its body is in.
  if (deleted) await store.unstageOwned(deleted.id).catch(() => undefined);
  return deleted;
}
