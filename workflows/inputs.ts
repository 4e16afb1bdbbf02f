import type { OperationSettings } from '../config';
import type {
  CreateAdmission,
  MetadataChange,
  RebuildChanges,
  Requester,
  ResetVmState,
  ServerRecordChanges,
  SnapshotImage,
} from '../activities/conductor';
import type { InstanceFlavor } from '../domain/rows';
import type { SealedSecret } from '../domain/sealed-secret';

/** Input of every operation on an existing instance. */
export interface InstanceOperationInput {
  instanceUuid: string;
  requester: Requester;
  settings: OperationSettings;
}

export interface CreateServerInput {
  server: CreateAdmission;
  settings: OperationSettings;
}

export interface RebootServerInput extends InstanceOperationInput {
  hard: boolean;
}

/** Cold migrate (no new flavor) or resize (a new flavor), optionally to a named host. */
export interface ResizeServerInput extends InstanceOperationInput {
  newFlavor: InstanceFlavor | null;
  targetHost: string | null;
}

/** rescue: the image the rescue disk is written from. The admin password is a secret and never travels here. */
export interface RescueServerInput extends InstanceOperationInput {
  rescueImageId: string;
}

/** os-migrateLive: another host (or the named one), the guest running throughout. */
export interface LiveMigrateServerInput extends InstanceOperationInput {
  targetHost: string | null;
}

/**
 * rebuild: the new image, where its bytes are (null: a synthesized base image), and what else the rebuild
 * changes on the record. The admin password is a secret and never travels here.
 */
export interface RebuildServerInput extends InstanceOperationInput {
  changes: RebuildChanges;
  imageSha256: string | null;
}

/** evacuate: rebuild the instance elsewhere from its image, its host being down. */
export interface EvacuateServerInput extends InstanceOperationInput {
  /** The host the operator named (admin); the scheduler still vets it unless `force`. */
  targetHost: string | null;
  /** Skip the scheduler for the named host (before 2.29 whenever a host is named, 2.29–2.67 with `force`). */
  force: boolean;
  /** Before 2.14 the caller says whether the disk is on shared storage; null when it is for us to know. */
  onSharedStorage: boolean | null;
  /** From 2.95 an evacuated instance is always left stopped on its destination. */
  stopAtDestination: boolean;
}

/** createImage, createBackup and shelve: the image record the snapshot fills, named by the API (its id is in the reply). */
export interface SnapshotServerInput extends InstanceOperationInput {
  image: SnapshotImage;
}

/** createBackup: a snapshot whose image is a backup of a type, with the rotation it keeps. */
export interface BackupServerInput extends SnapshotServerInput {
  image: SnapshotImage & Required<Pick<SnapshotImage, 'backup'>>;
}

/** changePassword: the admin password, sealed for the server's host; its text never enters a history. */
export interface ChangePasswordInput extends InstanceOperationInput {
  sealed: SealedSecret;
}

/** os-resetState: the vm_state the admin sets (task_state is cleared). */
export interface ResetStateInput extends InstanceOperationInput {
  vmState: ResetVmState;
}

/** unshelve: where an offloaded server may go (only an offloaded one: the API refuses both otherwise). */
export interface UnshelveServerInput extends InstanceOperationInput {
  /** 2.77+: the zone to pin the server to; null (2.91+) unpins it; absent keeps the zone it had. */
  availabilityZone?: string | null;
  /** 2.91+, admin only: the host to spawn on. */
  targetHost: string | null;
}

/** Server metadata: the change the conductor applies under the instance's row lock. */
export interface UpdateMetadataInput extends InstanceOperationInput {
  change: Omit<MetadataChange, 'instanceUuid' | 'isAdmin'>;
}

/** PUT /servers/{id}: the fields to write. Its run has an ID of its own, so it needs no requester or lock. */
export interface UpdateServerInput {
  instanceUuid: string;
  changes: ServerRecordChanges;
  settings: OperationSettings;
}

/** unlock: who asks, for the instance action. Like an update, its run has an ID of its own. */
export interface UnlockServerInput {
  instanceUuid: string;
  requester: Requester;
  settings: OperationSettings;
}

/** The server whose stored admin password a run writes (os-server-password). */
interface ServerPasswordInput {
  instanceUuid: string;
  settings: OperationSettings;
}

/** DELETE /servers/{id}/os-server-password. */
export type ClearServerPasswordInput = ServerPasswordInput;

/** A guest's POST to the metadata service's password file: what it posted, normally encrypted and base64. */
export interface PostServerPasswordInput extends ServerPasswordInput {
  password: string;
}

/** lock: who takes it (the server's own project, or an admin from elsewhere) and why. */
export interface LockServerInput extends UnlockServerInput {
  by: 'owner' | 'admin';
  reason: string | null;
}

/** os-getConsoleOutput: the host the API found the server on, and how many lines from the end (null: all). */
export interface ConsoleOutputInput {
  instanceUuid: string;
  host: string;
  length: number | null;
  settings: OperationSettings;
}
