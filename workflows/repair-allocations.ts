import type { OperationSettings } from '../config';
import type { MissingRef, OrphanRef, RepairOutcome } from '../activities/conductor';
import { conductorOn } from './activities';

export interface RepairAllocationsInput {
  /** Allocations the operator confirmed as orphaned. */
  orphaned: OrphanRef[];
  /** Placed instances the operator confirmed as missing their claim. */
  missing: MissingRef[];
  settings: OperationSettings;
}

export interface RepairReport {
  orphaned: (OrphanRef & { outcome: RepairOutcome })[];
  missing: (MissingRef & { outcome: RepairOutcome })[];
}

/**
 * Repairs what the allocation audit found and an operator confirmed, each finding re-checked by the conductor in
 * the transaction that fixes it: the API and the CLI never write allocations themselves.
 */
export async function repairAllocationsWorkflow(input: RepairAllocationsInput): Promise<RepairReport> {
  const conductor = conductorOn(input.settings);
  const removed = input.orphaned.length ? await conductor.removeOrphanedAllocations(input.orphaned) : [];
  const restored = input.missing.length ? await conductor.restoreMissingAllocations(input.missing) : [];
  return {
    orphaned: input.orphaned.map((ref, i) => ({ ...ref, outcome: removed[i]! })),
    missing: input.missing.map((ref, i) => ({ ...ref, outcome: restored[i]! })),
  };
}
