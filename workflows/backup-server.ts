import { StateRules } from '../domain/guards';
import { TaskState } from '../domain/states';
import { EventName } from './events';
import type { BackupServerInput } from './inputs';
import { uploadGuestImage } from './snapshot/guest-image';

/**
 * createBackup: a snapshot recorded as a `backup` of its type, image_backup → image_pending_upload →
 * image_uploading → none, after which the instance keeps only the newest `rotation` backups of that type.
 */
export async function backupServerWorkflow(input: BackupServerInput): Promise<void> {
  await uploadGuestImage(input, {
    rule: StateRules.createBackup,
    action: 'createBackup',
    event: EventName.BackupInstance,
    tasksBeforeUpload: [TaskState.ImageBackup, TaskState.ImagePendingUpload],
  });
}
