import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Requester } from '../../activities/conductor';

/**
 * restore of a soft-deleted server is an update on its soft delete's run, which holds the instance's workflow ID
 * while it waits for the reclaim (NOVA_RECLAIM_INSTANCE_INTERVAL_S). It completes once the conductor has admitted
 * the restore, and fails with the conductor's refusal (quota, lock, state), which leaves the run waiting, so the
 * server is still reclaimed in time. Accepted only around the wait. (forceDelete and delete cancel the wait.)
 */
export const restoreUpdate = defineUpdate<void, [Requester]>('restore');

/** Where a soft delete is, for operators and tests. */
export const softDeletePhaseQuery = defineQuery<SoftDeletePhase>('softDeletePhase');

export type SoftDeletePhase = 'admitting' | 'soft-deleting' | 'waiting' | 'restoring' | 'reclaiming' | 'done';

export const NOT_WAITING_FOR_RECLAIM = 'not waiting to reclaim';
