import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Requester } from '../../activities/conductor';

/** What ends a shelved server's wait for its offload: the request that asked, and what it asked for. */
export interface ShelvedDecision {
  requester: Requester;
  next: 'unshelve' | 'shelveOffload';
}

/**
 * unshelve or shelveOffload of a server waiting for its offload (NOVA_SHELVED_OFFLOAD_TIME_S), as an update on the
 * shelve's run, which holds the instance's workflow ID while it waits. The run admits the request through the
 * conductor and carries it out itself; the update completes once admitted, or fails with the conductor's refusal
 * (lock, state), which leaves the run waiting, so the server is still offloaded in time. Accepted only around the
 * wait, so it can never interrupt a shelve or an offload in progress. A delete cancels the wait instead.
 */
export const shelvedDecisionUpdate = defineUpdate<void, [ShelvedDecision]>('decideShelved');

/**
 * Ends the wait with nothing admitted, for the API to start the next operation itself: what API processes before
 * shelvedDecisionUpdate send, kept for them (and for the runs recorded with it) during a rolling upgrade.
 */
export const endOffloadWaitUpdate = defineUpdate<void, [Requester]>('endOffloadWait');

/** Where a shelve is, for operators and tests. */
export const shelvePhaseQuery = defineQuery<ShelvePhase>('shelvePhase');

export type ShelvePhase = 'admitting' | 'shelving' | 'waiting' | 'unshelving' | 'offloading' | 'done';

export const NOT_WAITING = 'not waiting to offload';
