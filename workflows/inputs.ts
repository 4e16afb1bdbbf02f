import type { OperationSettings } from '../config';
import type { CreateAdmission, Requester, SnapshotImage } from '../activities/conductor';
import type { InstanceFlavor } from '../domain/rows';

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

/** createImage and shelve: the image record the snapshot fills, named by the API (its id is in the reply). */
export interface SnapshotServerInput extends InstanceOperationInput {
  image: SnapshotImage;
}

/** unshelve: where an offloaded server may go (only an offloaded one: the API refuses both otherwise). */
export interface UnshelveServerInput extends InstanceOperationInput {
  /** 2.77+: the zone to pin the server to; null (2.91+) unpins it; absent keeps the zone it had. */
  availabilityZone?: string | null;
  /** 2.91+, admin only: the host to spawn on. */
  targetHost: string | null;
}
