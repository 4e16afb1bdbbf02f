import { asyncLocalStorage as activityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FaultType } from '../../domain/faults';
import type { ImageRow, InstanceRow } from '../../domain/rows';
import { ImageStatus } from '../../domain/states';
import { lockImageData } from '../../image-data/holders';
import {
  ImageDataNotFound,
  type ImageStore,
  type StagedImageData,
  type StoredImageData,
} from '../../storage/image-store';
import type { Queryable } from './db';

/** createBackup's: the type its image is recorded with, and how many backups of that type the instance keeps. */
export interface BackupRotation {
  backupType: string;
  rotation: number;
}

/**
 * The image record a snapshot (createImage, createBackup, shelve) fills: created queued at the operation's
 * admission.
 */
export interface SnapshotImage {
  imageId: string;
  name: string;
  /** createImage's and createBackup's `metadata`: image properties that win over everything inherited. */
  metadata?: Record<string, string>;
  /** Set for createBackup: the image is a `backup` of this type, and older ones rotate out. */
  backup?: BackupRotation;
}

/** Base image properties a snapshot must not inherit (nova/compute/utils.py NON_INHERITABLE_IMAGE_*). */
const NON_INHERITABLE = new Set([
  'cinder_encryption_key_id',
  'cinder_encryption_key_deletion_policy',
  'img_signature',
  'img_signature_hash_method',
  'img_signature_key_type',
  'img_signature_certificate_uuid',
]);

function inheritable(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(properties).filter(([key]) => !NON_INHERITABLE.has(key) && !key.startsWith('os_glance')),
  );
}

/**
 * Nova's `compute_utils.create_image`: the snapshot inherits the base image's properties, min_disk (at least the
 * flavor's root disk) and min_ram, adds base_image_ref, instance_uuid, user_id and image_type (`snapshot`, or
 * `backup`), then the request's metadata on top, and a backup's backup_type over that. It belongs to the
 * instance's project, private. Idempotent on the image id.
 */
export async function insertSnapshotImage(
  tx: Queryable,
  instance: InstanceRow,
  userId: string,
  image: SnapshotImage,
): Promise<void> {
  const [base] = instance.image_id ? await tx<ImageRow[]>`SELECT * FROM images WHERE id = ${instance.image_id}` : [];
  const properties = {
    ...inheritable(base?.properties ?? {}),
    base_image_ref: instance.image_id ?? '',
    instance_uuid: instance.uuid,
    user_id: userId,
    image_type: image.backup ? 'backup' : 'snapshot',
    ...image.metadata,
    ...(image.backup && { backup_type: image.backup.backupType }),
  };
  const minDisk = Math.max(base?.min_disk ?? 0, instance.flavor.root_gb);
  await tx`
    INSERT INTO images (id, name, status, disk_format, container_format, min_disk, min_ram, visibility, owner,
                        properties)
    VALUES (${image.imageId}, ${image.name}, ${ImageStatus.Queued}, 'raw', 'bare', ${minDisk}, ${base?.min_ram ?? 0},
            'private', ${instance.project_id}, ${tx.json(properties as Record<string, string>)})
    ON CONFLICT (id) DO NOTHING`;
}

/** The upload begins: Glance shows the image `saving`. */
export async function markImageSaving(tx: Queryable, imageId: string): Promise<void> {
  await tx`
    UPDATE images SET status = ${ImageStatus.Saving}, updated_at = now()
    WHERE id = ${imageId} AND status = ${ImageStatus.Queued}`;
}

/** What a host's snapshot stored: staged, unless a host of an older build published the bytes itself. */
export type SnapshotData = StoredImageData & Partial<Pick<StagedImageData, 'staged'>>;

/**
 * The snapshot's bytes become the image's: the image active with the digests Glance reports, and the staged bytes
 * published, under the content address's lock and in one transaction, so no release of the same bytes (another
 * image deleted) can fall between them. The caller unstages them once the transaction has committed.
 */
export async function activateImage(
  tx: Queryable,
  images: ImageStore,
  imageId: string,
  data: SnapshotData,
): Promise<void> {
  await lockImageData(tx, data.sha256);
  const [row] = await tx<{ status: string; store_sha256: string | null }[]>`
    UPDATE images
    SET status = ${ImageStatus.Active}, size_bytes = ${data.sizeBytes}, checksum = ${data.md5},
        os_hash_algo = 'sha512', os_hash_value = ${data.sha512}, store_sha256 = ${data.sha256}, updated_at = now()
    WHERE id = ${imageId} AND status IN (${ImageStatus.Queued}, ${ImageStatus.Saving})
    RETURNING status, store_sha256`;
  if (!row) {
    const [current] = await tx<{ status: string; store_sha256: string | null }[]>`
      SELECT status, store_sha256 FROM images WHERE id = ${imageId}`;
    // A retry finds the image with these bytes, as only a committed activation records them: active, or deleted
    // since (a backup at rotation 0 deletes its own image as it activates it), when it needs them no more.
    if (current?.status === ImageStatus.Deleted && current.store_sha256 === data.sha256) return;
    if (current?.status !== ImageStatus.Active || current.store_sha256 !== data.sha256) {
      throw ApplicationFailure.nonRetryable(
        `Image ${imageId} is ${current?.status ?? 'gone'}: it can no longer take the snapshot`,
        FaultType.ImageNotFound,
      );
    }
  }
  if (!(await inPlace(images, data))) {
    throw ApplicationFailure.nonRetryable(`image data ${data.sha256} is not in the store`, FaultType.ImageNotFound);
  }
}

/** Publishes staged bytes; bytes published before staging existed need only be there. */
async function inPlace(images: ImageStore, data: SnapshotData): Promise<boolean> {
  if (data.staged === undefined) return images.has(data.sha256);
  return images.publish({ ...data, staged: data.staged }).then(
    () => true,
    (err: unknown) => {
      if (err instanceof ImageDataNotFound) return false;
      throw err;
    },
  );
}

/**
 * Drops a snapshot's staged copies once the transaction that published them (or gave up on them) has committed:
 * the one the host returned, and any an attempt left that died or was retried mid-stage. Best effort: the
 * operation is done, and a retry of its step for files the store sweeps anyway would hold it up.
 */
export async function dropStaged(images: ImageStore, imageId: string, staged: string | undefined): Promise<void> {
  const drops = [images.unstageOwned(imageId), ...(staged === undefined ? [] : [images.unstage(staged)])];
  for (const outcome of await Promise.allSettled(drops)) {
    if (outcome.status === 'rejected') {
      activityContext.getStore()?.log.warn('Dropping a staged image copy failed; the store sweeps it within a week', {
        imageId,
        staged,
        err: outcome.reason as unknown,
      });
    }
  }
}

/**
 * Deletes an image record (Glance's `deleted`) in the caller's transaction and returns the content address of its
 * bytes, for releaseImageData once that transaction has committed. Safe to run twice.
 */
export async function discardImage(tx: Queryable, imageId: string): Promise<string | null> {
  const [row] = await tx<{ store_sha256: string | null }[]>`
    UPDATE images SET status = ${ImageStatus.Deleted}, updated_at = now()
    WHERE id = ${imageId}
    RETURNING store_sha256`;
  return row?.store_sha256 ?? null;
}
