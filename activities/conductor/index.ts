import { admitCreate, admitOperation, type CreateAdmission, type OperationAdmission } from './admission';
import {
  removeOrphanedAllocations,
  restoreMissingAllocations,
  type MissingRef,
  type OrphanRef,
} from './allocation-repair';
import { claimResources, releaseClaim, type ClaimRequest } from './claims';
import type { Sql } from './db';
import {
  admitEvacuation,
  completeEvacuations,
  failEvacuation,
  finishEvacuation,
  recordEvacuationDest,
  type ConductorOptions,
  type EvacuationAdmission,
} from './evacuations';
import { recordHostReport, updateHostService, type HostReport, type ServiceChange } from './hosts';
import type { ImageStore } from '../../storage/image-store';
import {
  beginMigrating,
  finishResize,
  recordMigrated,
  rollbackMigration,
  startMigration,
  type MigrationRef,
  type MigrationStart,
} from './migrations';
import {
  beginConfirm,
  beginRevert,
  failConfirm,
  failRevert,
  finishConfirm,
  finishRevert,
  revertAllocations,
  type ResizeDecision,
} from './resize-decision';
import { updateInstanceMetadata, type MetadataChange } from './metadata';
import { updateServerRecord, type ServerRecordUpdate } from './server-record';
import { setServerLock, type ServerLockUpdate } from './server-lock';
import { admitRebuild, failRebuildBeforeSwap, type RebuildAdmission, type RebuildFailureBeforeSwap } from './rebuild';
import { finishLiveMigration, updateLiveMigration, type LiveMigrationUpdate } from './live-migrations';
import {
  finishOffload,
  finishShelve,
  finishUnshelve,
  failUnshelve,
  getShelvedImage,
  type OffloadFinish,
  type ShelveFinish,
  type UnshelveFinish,
} from './shelve';
import {
  admitSnapshot,
  beginImageUpload,
  failSnapshot,
  finishSnapshot,
  type SnapshotAdmission,
  type SnapshotFailure,
  type SnapshotFinish,
} from './snapshot';
import { advanceTask, failTask, finishTask, type TaskAdvance, type TaskFailure, type TaskFinish } from './transitions';
import { markDeleted } from './deletion';
import { admitCrashDump, finishCrashDump, type CrashDumpEnd } from './crash-dump';
import { resetState, type StateReset } from './reset-state';
import { admitRestore } from './restore';
import {
  clearServerPassword,
  storeServerPassword,
  type ServerPasswordPost,
  type ServerPasswordRef,
} from './server-password';

const DEFAULT_OPTIONS: ConductorOptions = { serviceDownTimeMs: 60_000 };

/**
 * The conductor: the only code that writes instance state, allocations, instance actions and image records. It
 * also removes image bytes from the store once no live image record needs them.
 */
export function createConductorActivities(sql: Sql, images: ImageStore, options: ConductorOptions = DEFAULT_OPTIONS) {
  return {
    admitCreate: (input: CreateAdmission) => admitCreate(sql, input),
    admitOperation: (input: OperationAdmission) => admitOperation(sql, input),
    admitRebuild: (input: RebuildAdmission) => admitRebuild(sql, input),
    advanceTask: (step: TaskAdvance) => advanceTask(sql, step),
    finishTask: (step: TaskFinish) => finishTask(sql, step),
    failTask: (step: TaskFailure) => failTask(sql, step),
    failRebuildBeforeSwap: async (step: RebuildFailureBeforeSwap): Promise<void> =>
      void (await failRebuildBeforeSwap(sql, step)),
    markDeleted: (input: Parameters<typeof markDeleted>[2]) => markDeleted(sql, images, input),
    claimResources: (req: ClaimRequest) => claimResources(sql, req),
    releaseClaim: (input: { consumerUuid: string; host?: string }) => releaseClaim(sql, input),
    recordHostReport: (report: HostReport) => recordHostReport(sql, report),
    updateHostService: async (change: ServiceChange) => {
      await updateHostService(sql, change);
      options.onHostServiceChanged?.();
    },
    startMigration: (input: MigrationStart) => startMigration(sql, input),
    beginMigrating: (input: MigrationRef & { destHost: string }) => beginMigrating(sql, input),
    recordMigrated: (input: MigrationRef & { destHost: string }) => recordMigrated(sql, input),
    finishResize: (input: MigrationRef & { powerState: number; requestId: string }) => finishResize(sql, input),
    rollbackMigration: (input: Parameters<typeof rollbackMigration>[1]) => rollbackMigration(sql, input),
    updateLiveMigration: (input: LiveMigrationUpdate) => updateLiveMigration(sql, input),
    finishLiveMigration: (input: Parameters<typeof finishLiveMigration>[1]) => finishLiveMigration(sql, input),
    beginConfirm: (input: ResizeDecision) => beginConfirm(sql, input),
    finishConfirm: (input: ResizeDecision) => finishConfirm(sql, input),
    failConfirm: (input: Parameters<typeof failConfirm>[1]) => failConfirm(sql, input),
    beginRevert: (input: ResizeDecision) => beginRevert(sql, input),
    failRevert: (input: Parameters<typeof failRevert>[1]) => failRevert(sql, input),
    revertAllocations: (input: MigrationRef) => revertAllocations(sql, input),
    finishRevert: (input: ResizeDecision & { powerState: number }) => finishRevert(sql, input),
    admitEvacuation: (input: EvacuationAdmission) => admitEvacuation(sql, input, options),
    recordEvacuationDest: (input: Parameters<typeof recordEvacuationDest>[1]) => recordEvacuationDest(sql, input),
    finishEvacuation: (input: Parameters<typeof finishEvacuation>[1]) => finishEvacuation(sql, input),
    failEvacuation: (input: Parameters<typeof failEvacuation>[1]) => failEvacuation(sql, input),
    completeEvacuations: (input: Parameters<typeof completeEvacuations>[1]) => completeEvacuations(sql, input),
    admitSnapshot: (input: SnapshotAdmission) => admitSnapshot(sql, input),
    beginImageUpload: (step: TaskAdvance & { imageId: string }) => beginImageUpload(sql, step),
    finishSnapshot: (step: SnapshotFinish) => finishSnapshot(sql, images, step),
    failSnapshot: (step: SnapshotFailure) => failSnapshot(sql, images, step),
    finishShelve: (step: ShelveFinish) => finishShelve(sql, images, step),
    finishOffload: (step: OffloadFinish) => finishOffload(sql, step),
    getShelvedImage: (input: { instanceUuid: string }) => getShelvedImage(sql, images, input),
    finishUnshelve: (step: UnshelveFinish) => finishUnshelve(sql, images, step),
    failUnshelve: (step: TaskFailure) => failUnshelve(sql, step),
    removeOrphanedAllocations: (refs: OrphanRef[]) => removeOrphanedAllocations(sql, refs),
    restoreMissingAllocations: (refs: MissingRef[]) => restoreMissingAllocations(sql, refs),
    updateInstanceMetadata: (change: MetadataChange) => updateInstanceMetadata(sql, change),
    updateServerRecord: (update: ServerRecordUpdate) => updateServerRecord(sql, update),
    setServerLock: (update: ServerLockUpdate) => setServerLock(sql, update),
    admitCrashDump: (input: OperationAdmission) => admitCrashDump(sql, input),
    finishCrashDump: (end: CrashDumpEnd) => finishCrashDump(sql, end),
    resetState: (input: StateReset) => resetState(sql, input),
    admitRestore: (input: OperationAdmission) => admitRestore(sql, input),
    storeServerPassword: (post: ServerPasswordPost) => storeServerPassword(sql, post),
    clearServerPassword: (ref: ServerPasswordRef) => clearServerPassword(sql, ref),
  };
}

export type ConductorActivities = ReturnType<typeof createConductorActivities>;

/**
 * Conductor steps whose effect is one transaction, whatever they do after it committed being safe to repeat
 * (markDeleted, failSnapshot and finishUnshelve release image bytes no live image holds): their transaction looks
 * up and records the step's outcome itself (step-transaction.ts). The scheduler's claims, which are not one
 * transaction of the step's own, keep the step log's lookup and record around them.
 */
export const ONE_TRANSACTION_STEPS: ReadonlySet<keyof ConductorActivities> = new Set<keyof ConductorActivities>([
  'admitCreate',
  'admitOperation',
  'admitSnapshot',
  'advanceTask',
  'finishTask',
  'failTask',
  'startMigration',
  'beginMigrating',
  'recordMigrated',
  'finishResize',
  'rollbackMigration',
  'beginConfirm',
  'finishConfirm',
  'failConfirm',
  'beginRevert',
  'failRevert',
  'revertAllocations',
  'finishRevert',
  'beginImageUpload',
  'finishSnapshot',
  'finishShelve',
  'finishOffload',
  'failUnshelve',
  'markDeleted',
  'failSnapshot',
  'finishUnshelve',
  'updateServerRecord',
  'setServerLock',
  'admitCrashDump',
  'finishCrashDump',
  'resetState',
  'admitRestore',
  'storeServerPassword',
  'clearServerPassword',
]);
export type { CreateAdmission, OperationAdmission, Requester } from './admission';
export type { Claim, ClaimRequest } from './claims';
export type { MissingRef, OrphanRef, RepairOutcome } from './allocation-repair';
export type { HostReport, HostReportReply, ServiceChange } from './hosts';
export type { StaleGuest } from './evacuations';
export type { MetadataChange } from './metadata';
export type { ServerRecordChanges } from './server-record';
export type { ServerLockChange } from './server-lock';
export type { RebuildAdmission, RebuildAdmitted, RebuildChanges, RebuildFailureBeforeSwap } from './rebuild';
export type { BackupRotation, SnapshotData, SnapshotImage } from './images';
export type { ShelvedImage } from './shelve';
export type { ResetVmState } from './reset-state';
