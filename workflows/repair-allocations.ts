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
 * Repairs what the allocation audit found and an operator confirmed, one finding at a time, each re-checked by
 * the conductor in the transaction that fixes it: the API and the CLI never write allocations themselves.
 */
export async function repairAllocationsWorkflow(input: RepairAllocationsInput): Promise<RepairReport> {
  const conductor = conductorOn(input.settings);
  const report: RepairReport = { orphaned: [], missing: [] };
  for (const ref of input.orphaned) {
    report.orphaned.push({ ...ref, outcome: await conductor.removeOrphanedAllocation(ref) });
  }
  for (const ref of input.missing) {
    report.missing.push({ ...ref, outcome: await conductor.restoreMissingAllocation(ref) });
  }
  return report;
}
