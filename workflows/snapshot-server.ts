import { StateRules } from '../domain/guards';
import { TaskState } from '../domain/states';
import { EventName } from './events';
import type { SnapshotServerInput } from './inputs';
import { uploadGuestImage } from './snapshot/guest-image';

/** createImage: image_snapshot_pending → image_snapshot → image_pending_upload → image_uploading → none. */
export async function snapshotServerWorkflow(input: SnapshotServerInput): Promise<void> {
  await uploadGuestImage(input, {
    rule: StateRules.createImage,
    action: 'createImage',
    event: EventName.SnapshotInstance,
    tasksBeforeUpload: [TaskState.ImageSnapshotPending, TaskState.ImageSnapshot, TaskState.ImagePendingUpload],
  });
}
