/** Nova's vm_state strings (nova/compute/vm_states.py). */
export const VmState = {
  Building: 'building',
  Active: 'active',
  Stopped: 'stopped',
  Paused: 'paused',
  Suspended: 'suspended',
  Rescued: 'rescued',
  Resized: 'resized',
  Error: 'error',
  Shelved: 'shelved',
  ShelvedOffloaded: 'shelved_offloaded',
  SoftDeleted: 'soft-delete',
  Deleted: 'deleted',
} as const;
export type VmState = (typeof VmState)[keyof typeof VmState];

/** Nova's task_state strings, grouped by the operation that sets them. */
export const TaskState = {
  // build
  Scheduling: 'scheduling',
  Networking: 'networking',
  BlockDeviceMapping: 'block_device_mapping',
  Spawning: 'spawning',
  // power
  PoweringOff: 'powering-off',
  PoweringOn: 'powering-on',
  // pause / unpause, suspend / resume
  Pausing: 'pausing',
  Unpausing: 'unpausing',
  Suspending: 'suspending',
  Resuming: 'resuming',
  // rescue / unrescue
  Rescuing: 'rescuing',
  Unrescuing: 'unrescuing',
  // reboot
  Rebooting: 'rebooting',
  RebootPending: 'reboot_pending',
  RebootStarted: 'reboot_started',
  RebootingHard: 'rebooting_hard',
  RebootPendingHard: 'reboot_pending_hard',
  RebootStartedHard: 'reboot_started_hard',
  // rebuild (evacuate uses them too): the API's admission, the block devices, then the new disk
  Rebuilding: 'rebuilding',
  RebuildBlockDeviceMapping: 'rebuild_block_device_mapping',
  RebuildSpawning: 'rebuild_spawning',
  // delete; with a reclaim interval, soft delete and restore
  Deleting: 'deleting',
  SoftDeleting: 'soft-deleting',
  Restoring: 'restoring',
  // changePassword
  UpdatingPassword: 'updating_password',
  // resize / cold migrate
  ResizePrep: 'resize_prep',
  ResizeMigrating: 'resize_migrating',
  ResizeMigrated: 'resize_migrated',
  ResizeFinish: 'resize_finish',
  ResizeReverting: 'resize_reverting',
  // live migration
  Migrating: 'migrating',
  // createImage (snapshot)
  ImageSnapshotPending: 'image_snapshot_pending',
  ImageSnapshot: 'image_snapshot',
  ImagePendingUpload: 'image_pending_upload',
  ImageUploading: 'image_uploading',
  // createBackup: image_backup, then the two upload states above
  ImageBackup: 'image_backup',
  // shelve / shelveOffload / unshelve
  Shelving: 'shelving',
  ShelvingImagePendingUpload: 'shelving_image_pending_upload',
  ShelvingImageUploading: 'shelving_image_uploading',
  ShelvingOffloading: 'shelving_offloading',
  Unshelving: 'unshelving',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** Glance's image statuses (glance/db/simple/api.py): queued until data arrives, saving while it does. */
export const ImageStatus = {
  Queued: 'queued',
  Saving: 'saving',
  Active: 'active',
  Killed: 'killed',
  Deleted: 'deleted',
  PendingDelete: 'pending_delete',
} as const;
export type ImageStatus = (typeof ImageStatus)[keyof typeof ImageStatus];
/** Statuses Glance no longer lists or serves: the image is deleted. */
export const IMAGE_STATUSES_GONE: readonly string[] = [ImageStatus.Deleted, ImageStatus.PendingDelete];
/** Statuses whose image no longer holds its bytes: the bytes may go once no other image needs them. */
export const IMAGE_STATUSES_NOT_HOLDING_BYTES: readonly string[] = [
  ImageStatus.Deleted,
  ImageStatus.PendingDelete,
  ImageStatus.Killed,
];

/** Nova's migration statuses for cold migrate and resize (nova/objects/migration.py). */
export const MigrationStatus = {
  PreMigrating: 'pre-migrating',
  Migrating: 'migrating',
  PostMigrating: 'post-migrating',
  Finished: 'finished',
  Confirming: 'confirming',
  Confirmed: 'confirmed',
  Reverting: 'reverting',
  Reverted: 'reverted',
  Error: 'error',
} as const;
export type MigrationStatus = (typeof MigrationStatus)[keyof typeof MigrationStatus];

/** Nova's live migration statuses. */
export const LiveMigrationStatus = {
  Accepted: 'accepted',
  Queued: 'queued',
  Preparing: 'preparing',
  Running: 'running',
  PostMigrating: 'post-migrating',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
  Error: 'error',
} as const;

/**
 * Nova's evacuation statuses: `done` once the guest runs on the destination, `completed` once the source host
 * has come back and destroyed its stale copy (until then the instance holds its source allocation too).
 */
export const EvacuationStatus = {
  Accepted: 'accepted',
  PreMigrating: 'pre-migrating',
  Done: 'done',
  Completed: 'completed',
  /** No destination could be claimed. */
  Error: 'error',
  /** The destination failed to start the guest. */
  Failed: 'failed',
} as const;

/** Statuses after which a migration holds no resources any more. */
export const FINAL_MIGRATION_STATUSES: readonly string[] = [
  MigrationStatus.Confirmed,
  MigrationStatus.Reverted,
  MigrationStatus.Error,
  'failed',
  'completed',
  'cancelled',
  'done',
];

/** Nova's power_state integers (nova/compute/power_state.py). */
export const PowerState = {
  NoState: 0,
  Running: 1,
  Paused: 3,
  Shutdown: 4,
  Crashed: 6,
  Suspended: 7,
} as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];

const REBOOT_SOFT: readonly string[] = [TaskState.Rebooting, TaskState.RebootPending, TaskState.RebootStarted];
const REBOOT_HARD: readonly string[] = [
  TaskState.RebootingHard,
  TaskState.RebootPendingHard,
  TaskState.RebootStartedHard,
];
const REBUILD: readonly string[] = [
  TaskState.Rebuilding,
  TaskState.RebuildBlockDeviceMapping,
  TaskState.RebuildSpawning,
];
const RESIZE: readonly string[] = ['resize_prep', 'resize_migrating', 'resize_migrated', 'resize_finish'];

/** The API status Nova shows for a vm_state/task_state pair (nova/api/openstack/common.py). */
export function serverStatus(vmState: string, taskState: string | null): string {
  const task = taskState ?? '';
  switch (vmState) {
    case VmState.Active:
      if (REBOOT_SOFT.includes(task)) return 'REBOOT';
      if (REBOOT_HARD.includes(task)) return 'HARD_REBOOT';
      if (task === 'updating_password') return 'PASSWORD';
      if (REBUILD.includes(task)) return 'REBUILD';
      if (task === 'migrating') return 'MIGRATING';
      if (RESIZE.includes(task)) return 'RESIZE';
      return 'ACTIVE';
    case VmState.Building:
      return 'BUILD';
    case VmState.Stopped:
      if (RESIZE.includes(task)) return 'RESIZE';
      if (REBUILD.includes(task)) return 'REBUILD';
      return 'SHUTOFF';
    case VmState.Paused:
      return task === 'migrating' ? 'MIGRATING' : 'PAUSED';
    case VmState.Suspended:
      return 'SUSPENDED';
    case VmState.Rescued:
      return 'RESCUE';
    case VmState.Resized:
      return task === 'resize_reverting' ? 'REVERT_RESIZE' : 'VERIFY_RESIZE';
    case VmState.Error:
      return REBUILD.includes(task) ? 'REBUILD' : 'ERROR';
    case VmState.Shelved:
      return 'SHELVED';
    case VmState.ShelvedOffloaded:
      return 'SHELVED_OFFLOADED';
    case VmState.SoftDeleted:
      return 'SOFT_DELETED';
    case VmState.Deleted:
      return 'DELETED';
    default:
      return 'UNKNOWN';
  }
}

/** Statuses that carry Nova's `progress` field. */
export const PROGRESS_STATUSES: readonly string[] = [
  'ACTIVE',
  'BUILD',
  'REBUILD',
  'RESIZE',
  'VERIFY_RESIZE',
  'MIGRATING',
];

/** The vm_states a `?status=` filter selects (the inverse of serverStatus's defaults). */
export function vmStatesForStatus(status: string): string[] {
  const upper = status.toUpperCase();
  const all = Object.values(VmState);
  return all.filter((vm) => serverStatus(vm, null) === upper);
}
