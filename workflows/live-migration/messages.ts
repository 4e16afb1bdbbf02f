import { defineUpdate } from '@temporalio/workflow';
import type { Requester } from '../../activities/conductor';

/** DELETE /servers/{id}/migrations/{mid}: stop and roll back to the source. */
export const abortLiveMigrationUpdate = defineUpdate<void, [Requester]>('abortLiveMigration');
/** POST /servers/{id}/migrations/{mid}/action {"force_complete": null}: pause the guest so the copy ends. */
export const forceCompleteLiveMigrationUpdate = defineUpdate<void, [Requester]>('forceCompleteLiveMigration');

export const NOT_RUNNING = 'not-running';
