import type { InstanceRow } from '../../domain/rows';
import { releaseImageData } from '../../image-data/holders';
import type { ImageStore } from '../../storage/image-store';
import { admitInTransaction, type OperationAdmission } from './admission';
import { rotateBackups } from './backup-rotation';
import type { Sql } from './db';
import { recordEvents } from './events';
import {
  activateImage,
  discardImage,
  dropStaged,
  insertSnapshotImage,
  markImageSaving,
  type BackupRotation,
  type SnapshotData,
  type SnapshotImage,
} from './images';
import {
  advanceInTransaction,
  compareAndSet,
  failInTransaction,
  finishAction,
  type TaskAdvance,
  type TaskFailure,
  type TaskStep,
} from './transitions';

/** createImage, createBackup and shelve: the operation's admission and its queued image record, in one transaction. */
export interface SnapshotAdmission extends OperationAdmission {
  image: SnapshotImage;
}

export interface SnapshotFinish extends TaskStep {
  requestId: string;
  imageId: string;
  data: SnapshotData;
  /** createBackup's: older backups of its type rotate out as it finishes. */
  rotation?: BackupRotation | undefined;
}

export async function admitSnapshot(sql: Sql, input: SnapshotAdmission): Promise<InstanceRow> {
  return sql.begin(async (tx) => {
    const row = await admitInTransaction(tx, input);
    await insertSnapshotImage(tx, row, input.userId, input.image);
    return row;
  });
}

/** The next task_state (image_uploading, shelving_image_uploading) and the image `saving`, together. */
export async function beginImageUpload(sql: Sql, step: TaskAdvance & { imageId: string }): Promise<void> {
  await sql.begin(async (tx) => {
    await advanceInTransaction(tx, step);
    await markImageSaving(tx, step.imageId);
  });
}

/**
 * createImage or createBackup done: the image active with its digests, the task cleared, and a backup's excess
 * backups deleted, in one transaction; the vm_state never changed. The deleted backups' bytes go once it committed.
 */
export async function finishSnapshot(sql: Sql, images: ImageStore, step: SnapshotFinish): Promise<void> {
  const rotatedOut = await sql.begin(async (tx) => {
    await activateImage(tx, images, step.imageId, step.data);
    const row = await compareAndSet(
      tx,
      step,
      (q) => q<InstanceRow[]>`
        UPDATE instances SET task_state = NULL, updated_at = now()
        WHERE uuid = ${step.instanceUuid} AND NOT deleted AND task_state IS NOT DISTINCT FROM ${step.expected}
        RETURNING *`,
      (r) => r.task_state === null,
    );
    const released = step.rotation ? await rotateBackups(tx, row, step.rotation) : [];
    await recordEvents(tx, step.instanceUuid, step.requestId, step.events);
    await finishAction(tx, step.instanceUuid, step.requestId, false);
    return released;
  });
  await dropStaged(images, step.imageId, step.data.staged);
  for (const sha256 of rotatedOut) await releaseImageData(sql, images, sha256);
}

export interface SnapshotFailure extends TaskFailure {
  imageId: string;
  /** Bytes the host stored that the image never recorded (the operation failed or was cancelled right after). */
  storedSha256?: string | undefined;
  /** The host's staged copy of them, which nothing will publish now. */
  storedStaged?: string | undefined;
}

/**
 * A snapshot that failed (createImage, createBackup, shelve): the task cleared with the fault recorded, and the image deleted
 * as Nova's delete_image_on_error does; its bytes go too unless another live image shares them.
 */
export async function failSnapshot(sql: Sql, images: ImageStore, step: SnapshotFailure): Promise<void> {
  const sha256 = await sql.begin(async (tx) => {
    await failInTransaction(tx, step);
    return discardImage(tx, step.imageId);
  });
  await releaseImageData(sql, images, sha256 ?? step.storedSha256 ?? null);
  await dropStaged(images, step.imageId, step.storedStaged);
}
