import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Requester } from '../../activities/conductor';

/**
 * Ends a shelved server's wait for its offload (NOVA_SHELVED_OFFLOAD_TIME_S): unshelve and shelveOffload send it
 * before they start, since the shelve workflow holds the instance's workflow ID while it waits. Accepted only
 * during the wait, so it can never interrupt a shelve or an offload in progress. A delete cancels the wait instead.
 */
export const endOffloadWaitUpdate = defineUpdate<void, [Requester]>('endOffloadWait');

/** Where a shelve is, for operators and tests. */
export const shelvePhaseQuery = defineQuery<ShelvePhase>('shelvePhase');

export type ShelvePhase = 'admitting' | 'shelving' | 'waiting' | 'offloading' | 'done';

export const NOT_WAITING = 'not waiting to offload';
