import { ApplicationFailure } from '@temporalio/common';
import { FaultType } from '../../domain/faults';
import type { InstanceRow } from '../../domain/rows';
import { ImageStatus, TaskState, VmState } from '../../domain/states';
import type { ImageStore } from '../../storage/image-store';
import type { Sql } from './db';
import { recordEvents } from './events';
import { releaseImageData } from '../../image-data/holders';
import { activateImage, discardImage, dropStaged } from './images';
import type { SnapshotFinish } from './snapshot';
import { compareAndSet, failInTransaction, finishAction, type TaskFailure, type TaskStep } from './transitions';

export interface ShelveFinish extends SnapshotFinish {
  powerState: number;
  host: string;
  /** Nova's shelved_offload_time = 0: offloading follows in the same action (task shelving_offloading). */
  offload: boolean;
}

export interface OffloadFinish extends TaskStep {
  requestId: string;
  powerState: number;
}

export interface UnshelveFinish extends TaskStep {
  requestId: string;
  powerState: number;
  /** The shelve image, deleted now that the guest runs again. */
  imageId: string | null;
  /** 2.77+: the zone the server is pinned to from now on (null unpins it); absent keeps it. */
  availabilityZone?: string | null;
}

/** The shelve image an offloaded instance is spawned from. */
export interface ShelvedImage {
  imageId: string;
  sha256: string;
}

/**
 * The snapshot is stored: the image becomes active and the instance SHELVED, with Nova's shelve system_metadata
 * (shelved_at, shelved_image_id, shelved_host). With an immediate offload the task moves to shelving_offloading
 * and the action stays open for it.
 */
export async function finishShelve(sql: Sql, images: ImageStore, step: ShelveFinish): Promise<void> {
  const next = step.offload ? TaskState.ShelvingOffloading : null;
  await sql.begin(async (tx) => {
    await activateImage(tx, images, step.imageId, step.data);
    await compareAndSet(
      tx,
      step,
      (q) => q<InstanceRow[]>`
        UPDATE instances
        SET vm_state = ${VmState.Shelved}, task_state = ${next}, power_state = ${step.powerState},
            shelved_at = now(), shelved_image_id = ${step.imageId}, shelved_host = ${step.host}, updated_at = now()
        WHERE uuid = ${step.instanceUuid} AND NOT deleted AND task_state IS NOT DISTINCT FROM ${step.expected}
        RETURNING *`,
      (r) => r.vm_state === VmState.Shelved && r.task_state === next,
    );
    await recordEvents(tx, step.instanceUuid, step.requestId, step.events);
    if (!step.offload) await finishAction(tx, step.instanceUuid, step.requestId, false);
  });
  await dropStaged(images, step.imageId, step.data.staged);
}

/**
 * The guest and its disk are gone from the host: the claim is released and the instance has no host any more,
 * SHELVED_OFFLOADED. Nova drops the allocations before the vm_state changes; one transaction does both here.
 */
export async function finishOffload(sql: Sql, step: OffloadFinish): Promise<void> {
  await sql.begin(async (tx) => {
    await compareAndSet(
      tx,
      step,
      (q) => q<InstanceRow[]>`
        UPDATE instances
        SET vm_state = ${VmState.ShelvedOffloaded}, task_state = NULL, power_state = ${step.powerState},
            host = NULL, node = NULL, progress = 0, updated_at = now()
        WHERE uuid = ${step.instanceUuid} AND NOT deleted AND task_state IS NOT DISTINCT FROM ${step.expected}
        RETURNING *`,
      (r) => r.vm_state === VmState.ShelvedOffloaded && r.task_state === null,
    );
    await tx`DELETE FROM allocations WHERE consumer_uuid = ${step.instanceUuid}`;
    await recordEvents(tx, step.instanceUuid, step.requestId, step.events);
    await finishAction(tx, step.instanceUuid, step.requestId, false);
  });
}

/** The guest runs again (in place, or on the host it was spawned on): ACTIVE, shelve metadata and image gone. */
export async function finishUnshelve(sql: Sql, images: ImageStore, step: UnshelveFinish): Promise<void> {
  const zoneGiven = step.availabilityZone !== undefined;
  const sha256 = await sql.begin(async (tx) => {
    await compareAndSet(
      tx,
      step,
      (q) => q<InstanceRow[]>`
        UPDATE instances
        SET vm_state = ${VmState.Active}, task_state = NULL, power_state = ${step.powerState}, progress = 100,
            shelved_at = NULL, shelved_image_id = NULL, shelved_host = NULL, fault = NULL,
            availability_zone = CASE WHEN ${zoneGiven} THEN ${step.availabilityZone ?? null} ELSE availability_zone END,
            updated_at = now()
        WHERE uuid = ${step.instanceUuid} AND NOT deleted AND task_state IS NOT DISTINCT FROM ${step.expected}
        RETURNING *`,
      (r) => r.vm_state === VmState.Active && r.task_state === null,
    );
    await recordEvents(tx, step.instanceUuid, step.requestId, step.events);
    await finishAction(tx, step.instanceUuid, step.requestId, false);
    return step.imageId ? discardImage(tx, step.imageId) : null;
  });
  await releaseImageData(sql, images, sha256);
}

/**
 * An unshelve of an offloaded instance that could not spawn anywhere: the task cleared, no host, no claim, still
 * SHELVED_OFFLOADED with its shelve image, as Nova's spawn-failure path leaves it.
 */
export async function failUnshelve(sql: Sql, step: TaskFailure): Promise<void> {
  await sql.begin(async (tx) => {
    await failInTransaction(tx, step);
    await tx`UPDATE instances SET host = NULL, node = NULL WHERE uuid = ${step.instanceUuid}`;
    await tx`DELETE FROM allocations WHERE consumer_uuid = ${step.instanceUuid}`;
  });
}

/** Nova's get_image_info step: the shelve image must still exist with its bytes, else the unshelve fails. */
export async function getShelvedImage(
  sql: Sql,
  images: ImageStore,
  input: { instanceUuid: string },
): Promise<ShelvedImage> {
  const [row] = await sql<{ shelved_image_id: string | null; status: string | null; store_sha256: string | null }[]>`
    SELECT i.shelved_image_id, im.status, im.store_sha256
    FROM instances i LEFT JOIN images im ON im.id = i.shelved_image_id
    WHERE i.uuid = ${input.instanceUuid}`;
  const imageId = row?.shelved_image_id ?? '';
  const sha256 = row?.status === ImageStatus.Active ? row.store_sha256 : null;
  if (!sha256 || !(await images.has(sha256))) {
    throw ApplicationFailure.nonRetryable(
      `Unshelve attempted but the image ${imageId} cannot be found.`,
      FaultType.ImageNotFound,
    );
  }
  return { imageId, sha256 };
}
