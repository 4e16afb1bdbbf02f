import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FaultType } from '../../domain/faults';
import { SecretUnreadable, openSecret, type SealedSecret } from '../../domain/sealed-secret';
import type { InstanceFlavor } from '../../domain/rows';
import path from 'node:path';
import { tailLines } from './console-log';
import { PasswordEncryptionFailed, encryptForServerKey } from './password-encryption';
import { DiskChecksumMismatch, exportDisk, importDisk, removeTransfer } from './disk-transfer';
import { memoryRound, type MemoryRound } from './live-migration';
import {
  checkLiveMigrateDestination,
  checkLiveMigrateSource,
  type DestinationCheckData,
  type DestinationCheckInput,
} from './live-migration-checks';
import {
  GuestInWrongState,
  GuestNotFound,
  GuestNotRunning,
  HypervisorStepFailed,
  ImageDataCorrupted,
  MigrationPreCheckFailed,
} from './errors';
import { StepCancelled, type FakeHypervisor, type StepContext } from './fake-hypervisor';
import { rebuildGuest } from './rebuild';
import { rescueGuest, unrescueGuest } from './rescue';
import { snapshotDisk, stageSnapshot, type SnapshotOptions } from './snapshot';
import {
  ImageDataNotFound,
  type ImageStore,
  type StagedImageData,
  type StoredImageData,
} from '../../storage/image-store';

export interface SpawnInput {
  instanceUuid: string;
  name: string;
  flavor: InstanceFlavor;
  imageId: string;
  /** Set when the image's bytes are in the image store (snapshots, uploads). */
  imageSha256?: string | undefined;
  /** The instance's project, kept on the guest for its metadata requests. */
  projectId?: string | undefined;
  powerOn: boolean;
}

/** The rescue image only: the admin password never leaves the API (it is a secret, not workflow input). */
export interface RescueInput {
  instanceUuid: string;
  imageId: string;
}

/** Rebuild on the instance's host: the new image (and its stored bytes, if any), the instance's name now. */
export interface RebuildInput {
  instanceUuid: string;
  name: string;
  flavor: InstanceFlavor;
  imageId: string;
  imageSha256?: string | undefined;
  /** The rebuild's request id: a retried step that finds it on the guest is already done. */
  rebuildId: string;
  projectId?: string | undefined;
}

export interface MigrateDiskInput {
  instanceUuid: string;
  migrationUuid: string;
}

export interface LiveRoundInput {
  instanceUuid: string;
  /** What the previous round left dirty; null on the first round (all memory). */
  remainingBytes: number | null;
  pausedForCompletion: boolean;
}

export interface FinishMigrationInput extends MigrateDiskInput {
  name: string;
  imageId: string;
  flavor: InstanceFlavor;
  /** Checksum of the source disk: the destination refuses a copy that differs. */
  checksum: string;
  powerOn: boolean;
  /** A live migration's: the guest runs on through the move. */
  live?: boolean;
  /** The instance's project, kept on the guest the destination defines. */
  projectId?: string | undefined;
}

export interface ConsoleOutputRequest {
  instanceUuid: string;
  length: number | null;
}

/** Facts a compute step reports back; the workflow hands them to the conductor. */
export interface GuestFacts {
  host: string;
  powerState: number;
  diskChecksum: string;
}

/** Progress becomes heartbeats; cancellation arrives through them and aborts the hypervisor step. */
function stepContext(): StepContext {
  const activity = Context.current();
  return { progress: (detail) => activity.heartbeat(detail), signal: activity.cancellationSignal };
}

/** Business failures cross to the workflow as non-retryable ApplicationFailures with a FaultType. */
function asApplicationFailure(err: unknown): unknown {
  if (err instanceof HypervisorStepFailed) {
    const type = err.reschedulable ? FaultType.RescheduledException : FaultType.BuildAbortException;
    return ApplicationFailure.create({ message: err.message, type, nonRetryable: true, cause: err });
  }
  if (err instanceof StepCancelled) {
    return new CancelledFailure(err.message);
  }
  if (err instanceof ImageDataNotFound) {
    return ApplicationFailure.create({ message: err.message, type: FaultType.ImageNotFound, nonRetryable: true });
  }
  if (err instanceof DiskChecksumMismatch || err instanceof ImageDataCorrupted) {
    return ApplicationFailure.create({ message: err.message, type: FaultType.DiskCorrupted, nonRetryable: true });
  }
  if (err instanceof GuestNotFound) {
    return ApplicationFailure.create({ message: err.message, type: FaultType.InstanceNotFound, nonRetryable: true });
  }
  if (err instanceof MigrationPreCheckFailed) {
    return ApplicationFailure.create({
      message: err.message,
      type: FaultType.MigrationPreCheckError,
      nonRetryable: true,
    });
  }
  if (err instanceof GuestNotRunning) {
    return ApplicationFailure.create({ message: err.message, type: FaultType.InstanceNotRunning, nonRetryable: true });
  }
  if (err instanceof SecretUnreadable) {
    return ApplicationFailure.create({ message: err.message, type: FaultType.SecretUnreadable, nonRetryable: true });
  }
  if (err instanceof PasswordEncryptionFailed) {
    return ApplicationFailure.create({ message: err.message, type: FaultType.EncryptionFailure, nonRetryable: true });
  }
  if (err instanceof GuestInWrongState) {
    return ApplicationFailure.create({
      message: err.message,
      type: FaultType.InstanceInvalidState,
      nonRetryable: true,
    });
  }
  return err;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asApplicationFailure(err);
  }
}

/** Hypervisor actions on one host. Compute never sees the database: it only acts and reports facts. */
export interface ComputeDeps {
  hypervisor: FakeHypervisor;
  /** Where migrating disks travel between hosts. */
  transferDir: string;
  /** Image bytes: snapshots go in, spawns from stored images read from it. */
  images: ImageStore;
  /** The host's local disk (NOVA_COMPUTE_DISK_GB): what a live-migration destination check measures against. */
  localDiskGb: number;
  /** The secret shared with the API (NOVA_METADATA_SECRET) that opens admin passwords sealed for this host. */
  guestSecret?: string | undefined;
}

export interface AdminPasswordInput {
  instanceUuid: string;
  sealed: SealedSecret;
  /**
   * The public key the server booted with: an ssh-rsa one gets the password encrypted for os-server-password.
   * Absent in steps scheduled before it was passed: the stored password is then left as it is.
   */
  keyData?: string | null;
}

/**
 * The guest once its password is set, and that password encrypted with the server's ssh-rsa key: null when the
 * server has none (the stored password no longer opens it), undefined when the step was not told the key.
 */
export interface PasswordSet extends GuestFacts {
  serverPassword?: string | null;
}

export function createComputeActivities({ hypervisor, transferDir, localDiskGb, guestSecret }: ComputeDeps) {
  const transferFile = (migrationUuid: string) => path.join(transferDir, `${migrationUuid}.disk`);
  const copyDisk = (input: MigrateDiskInput, powerOff: boolean) => {
    const resumeAt = (Context.current().info.heartbeatDetails as { done?: number } | undefined)?.done ?? 0;
    const file = transferFile(input.migrationUuid);
    return guarded(async () => ({
      checksum: (await exportDisk(hypervisor, input.instanceUuid, file, resumeAt, stepContext(), powerOff)).checksum,
    }));
  };
  const facts = (g: { powerState: number; diskChecksum: string }): GuestFacts => ({
    host: hypervisor.host,
    powerState: g.powerState,
    diskChecksum: g.diskChecksum,
  });
  return {
    async spawn(input: SpawnInput): Promise<GuestFacts> {
      const spec = {
        uuid: input.instanceUuid,
        name: input.name,
        flavor: input.flavor,
        imageId: input.imageId,
        imageSha256: input.imageSha256,
        projectId: input.projectId,
      };
      return guarded(async () => facts(await hypervisor.spawn(spec, input.powerOn, stepContext())));
    },
    async powerOff(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.powerOff(instanceUuid, stepContext())));
    },
    async powerOn(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.powerOn(instanceUuid, stepContext())));
    },
    async reboot(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.reboot(instanceUuid, stepContext())));
    },
    async pause(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.pause(instanceUuid, stepContext())));
    },
    async unpause(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.unpause(instanceUuid, stepContext())));
    },
    async suspend(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.suspend(instanceUuid, stepContext())));
    },
    async resume(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.resume(instanceUuid, stepContext())));
    },
    async rescue(input: RescueInput): Promise<GuestFacts> {
      return guarded(async () =>
        facts(await rescueGuest(hypervisor, input.instanceUuid, input.imageId, stepContext())),
      );
    },
    async unrescue(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await unrescueGuest(hypervisor, instanceUuid, stepContext())));
    },
    /** Power off, write the new disk beside the old one, swap it in, boot: the old disk lives until the swap. */
    async rebuild(input: RebuildInput): Promise<GuestFacts> {
      const spec = {
        uuid: input.instanceUuid,
        name: input.name,
        flavor: input.flavor,
        imageId: input.imageId,
        imageSha256: input.imageSha256,
        rebuildId: input.rebuildId,
        projectId: input.projectId,
      };
      return guarded(async () => facts(await rebuildGuest(hypervisor, spec, stepContext())));
    },
    /** createImage, createBackup and shelve: the guest's disk into the image store, verified, staged if the conductor asks. */
    async snapshotDisk(instanceUuid: string, options?: SnapshotOptions): Promise<StoredImageData | StagedImageData> {
      return guarded(() =>
        options?.stage
          ? stageSnapshot(hypervisor, instanceUuid, stepContext(), options.imageId)
          : snapshotDisk(hypervisor, instanceUuid, stepContext()),
      );
    },
    async destroy(instanceUuid: string): Promise<void> {
      return guarded(() => hypervisor.destroy(instanceUuid, stepContext()));
    },
    /** Cold migration, source side: power off, copy the disk to the transfer area (resumable), verify it. */
    async migrateDiskAndPowerOff(input: MigrateDiskInput): Promise<{ checksum: string }> {
      return copyDisk(input, true);
    },
    /** Live (block) migration, source side: copy the disk while the guest keeps running. */
    async copyDiskLive(input: MigrateDiskInput): Promise<{ checksum: string }> {
      return copyDisk(input, false);
    },
    /** Live migration pre-check on the destination: no guest of the instance here yet, and room on the disk. */
    async checkCanLiveMigrateDestination(input: DestinationCheckInput): Promise<DestinationCheckData> {
      return guarded(() => checkLiveMigrateDestination(hypervisor, localDiskGb, input, stepContext()));
    },
    /** Live migration pre-check on the source: the guest runs (or is paused) here. */
    async checkCanLiveMigrateSource(instanceUuid: string): Promise<void> {
      return guarded(() => checkLiveMigrateSource(hypervisor, instanceUuid));
    },
    /** One pre-copy round of guest memory; the workflow loops, recording progress, until it converges. */
    async liveMigrationRound(input: LiveRoundInput): Promise<MemoryRound> {
      return guarded(() =>
        memoryRound(hypervisor, input.instanceUuid, input.remainingBytes, input.pausedForCompletion, stepContext()),
      );
    },
    /** Cold migration, destination side: import the verified disk copy and define the guest. */
    async finishMigration(input: FinishMigrationInput): Promise<GuestFacts> {
      const spec = { ...input, uuid: input.instanceUuid };
      return guarded(async () =>
        facts(await importDisk(hypervisor, spec, transferFile(input.migrationUuid), stepContext())),
      );
    },
    async removeMigrationTransfer(migrationUuid: string): Promise<void> {
      await removeTransfer(transferFile(migrationUuid));
    },
    /** Nova's get_console_output: the guest's console on this host, its last `length` lines (null: all). */
    async consoleOutput(input: ConsoleOutputRequest): Promise<string> {
      return guarded(async () => {
        if (!(await hypervisor.getGuest(input.instanceUuid))) {
          throw new GuestNotFound(input.instanceUuid, hypervisor.host);
        }
        return tailLines(await hypervisor.console.read(input.instanceUuid), input.length);
      });
    },
    /** Nova's trigger_crash_dump: an NMI into the guest, whose power state it leaves as it was. */
    async triggerCrashDump(instanceUuid: string): Promise<GuestFacts> {
      return guarded(async () => facts(await hypervisor.injectNmi(instanceUuid, stepContext())));
    },
    /**
     * Nova's set_admin_password: the password, opened here and nowhere before, set by the guest agent. It leaves
     * this host only encrypted with the server's own key, which is checked before the guest changes anything.
     */
    async setAdminPassword(input: AdminPasswordInput): Promise<PasswordSet> {
      return guarded(async () => {
        if (!guestSecret) {
          throw ApplicationFailure.create({
            message: `host ${hypervisor.host} has no NOVA_METADATA_SECRET to receive admin passwords with`,
            type: FaultType.PasswordNotSupported,
            nonRetryable: true,
          });
        }
        const password = openSecret(input.sealed, guestSecret, input.instanceUuid);
        const serverPassword = input.keyData === undefined ? undefined : encryptForServerKey(input.keyData, password);
        const guest = await hypervisor.setAdminPassword(input.instanceUuid, password, stepContext());
        return { ...facts(guest), ...(serverPassword === undefined ? {} : { serverPassword }) };
      });
    },
    /** The power state the hypervisor sees now (Nova's sync_power_state); undefined when the guest is gone. */
    async getPowerState(instanceUuid: string): Promise<number | undefined> {
      return (await hypervisor.getGuest(instanceUuid))?.powerState;
    },
  };
}

export type ComputeActivities = ReturnType<typeof createComputeActivities>;
