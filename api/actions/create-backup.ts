import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { backupServerWorkflow } from '../../workflows/backup-server';
import { BadRequest } from '../errors';
import { nameParameter } from '../schemas/create-server';
import { defineAction, guardState, startGuarded } from './action';
import { checkImageMetadataQuota, imageAccepted, imageMetadata } from './guest-image';

/** More backups than anyone keeps: a larger rotation (Nova takes any size) keeps them all just the same. */
const MAX_ROTATION = 2 ** 31 - 1;

/** Nova's non_negative_integer: a JSON integer from 0, or a string of digits. */
const rotation = z
  .union([z.number().int().min(0), z.string().regex(/^[0-9]+$/)])
  .transform((value) => Math.min(Number(value), MAX_ROTATION));

const createBackupBody = z.strictObject({
  name: nameParameter,
  backup_type: z.string(),
  rotation,
  metadata: imageMetadata.optional(),
});
export type CreateBackupBody = z.infer<typeof createBackupBody>;

/**
 * createBackup: a snapshot kept as a backup of `backup_type` (any string: `daily`, `weekly`), after which the
 * server keeps only the newest `rotation` backups of that type; 0 keeps none, not even this one. Replies as
 * createImage does, except that before 2.45 the `Location` is the compute API's image proxy, and there is none at a
 * rotation of 0, as the image will not stay.
 */
export const createBackup = defineAction({
  key: 'createBackup',
  policy: 'os_compute_api:os-create-backup',
  schema: createBackupBody,
  async handle(body, call) {
    const metadata = body.metadata ?? {};
    await checkImageMetadataQuota(call, metadata);
    const rule = StateRules.createBackup;
    guardState(rule, call);
    if (!call.instance.image_id) throw new BadRequest('Backup is not supported for volume-backed instances.');
    const imageId = randomUUID();
    const backup = { backupType: body.backup_type, rotation: body.rotation };
    await startGuarded(call, {
      rule,
      workflow: backupServerWorkflow,
      input: (base) => ({ ...base, image: { imageId, name: body.name, metadata, backup } }),
      operation: 'createBackup',
      target: `to ${body.backup_type || 'untyped'} backup ${body.name}, keeping ${body.rotation}`,
    });
    // Nova's createBackup points at the compute API's image proxy, and nowhere when the backup will not stay.
    return imageAccepted(call, imageId, body.rotation > 0 ? `${call.baseUrl}/v2.1/images/${imageId}` : null);
  },
});
