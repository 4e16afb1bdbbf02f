import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Requester } from '../../activities/conductor';

/** confirmResize (204) and revertResize (202): accepted only while the resize awaits a decision. */
export const confirmResizeUpdate = defineUpdate<void, [Requester]>('confirmResize');
export const revertResizeUpdate = defineUpdate<void, [Requester]>('revertResize');

/** Where a resize is: operators and the API read it without touching the database. */
export const resizePhaseQuery = defineQuery<ResizePhase>('resizePhase');

export type ResizePhase = 'admitting' | 'migrating' | 'verify' | 'confirming' | 'reverting' | 'done' | 'rolled-back';

export const NOT_RESIZED = 'Instance has not been resized.';
