import { patched } from '@temporalio/workflow';

/**
 * The patches every run started since this fold takes. Each patch a run takes costs it a marker and an upsert of
 * the TemporalChangeVersion search attribute (the SDK adds both), and a create took four: eight of its 29
 * events and four of the Temporal server's visibility writes. A run now records one patch, FOLDED, for all of
 * them.
 *
 * `hasPatch` answers what `patched` would: once FOLDED is decided for the run (at its first patch check), a run
 * that has it takes every folded patch without a marker of its own; a run recorded before the fold (replaying
 * without FOLDED) checks each patch on its own, as the code it was recorded with did. A run that decides FOLDED
 * outside replay has it, and outside replay `patched` is true for every patch anyway: the answers are the same.
 *
 * A new patch is checked with `patched`; it joins the fold, under a new FOLDED name, once every run recorded
 * without it is closed.
 */
const FOLDED = 'patches-folded-2026-12';

export const FOLDED_PATCHES = [
  'workflow-spans-only-when-traced',
  'conductor-steps-local',
  'task-state-search-attribute',
  'claim-down-ranked-list',
  'rebuild-restores-image-before-swap',
  'revert-answers-once-reverting',
  'decision-before-delete',
  'revert-failure-ends-migration',
  'live-migration-pre-checks',
  'short-host-runs',
] as const;

export type FoldedPatch = (typeof FOLDED_PATCHES)[number];

// Module state is per workflow run (see progress.ts).
let folded: boolean | undefined;

export function hasPatch(id: FoldedPatch): boolean {
  folded ??= patched(FOLDED);
  return folded || patched(id);
}
