import type { InstanceRow } from '../../domain/rows';
import { IMAGE_STATUSES_GONE } from '../../domain/states';
import type { Queryable } from './db';
import type { BackupRotation } from './images';
import { discardImage } from './images';

/**
 * Nova's `_rotate_backups`, run as a backup finishes: of the instance's backups of this type, newest first, those
 * past the rotation count are deleted (all of them at rotation 0, the new one too). A protected image is kept,
 * as Glance refuses to delete it and Nova goes on with the next. Only the instance's project's images count: an
 * image another project made to look like a backup is none of this server's. Runs in the caller's transaction
 * and returns the content addresses of the deleted images' bytes, for releaseImageData once it has committed.
 */
export async function rotateBackups(
  tx: Queryable,
  instance: Pick<InstanceRow, 'uuid' | 'project_id'>,
  backup: BackupRotation,
): Promise<string[]> {
  const excess = await tx<{ id: string; protected: boolean }[]>`
    SELECT id, protected FROM images
    WHERE owner = ${instance.project_id} AND status NOT IN ${tx(IMAGE_STATUSES_GONE as string[])}
      AND properties->>'instance_uuid' = ${instance.uuid} AND properties->>'image_type' = 'backup'
      AND properties->>'backup_type' = ${backup.backupType}
    ORDER BY created_at DESC, id DESC
    OFFSET ${backup.rotation}
    FOR UPDATE`;
  const released: string[] = [];
  for (const image of excess) {
    if (image.protected) continue;
    const sha256 = await discardImage(tx, image.id);
    if (sha256) released.push(sha256);
  }
  return released;
}
