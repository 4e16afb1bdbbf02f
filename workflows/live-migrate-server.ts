import { CancellationScope, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import { hasPatch } from './patches';
import type { Requester } from '../activities/conductor';
import { flavorResources } from '../domain/capacity';
import { StateRules } from '../domain/guards';
import { HostKey } from '../domain/search-attributes';
import { LiveMigrationStatus, TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { LiveMigrateServerInput } from './inputs';
import { scheduleAndClaim } from './alternates';
import { NOT_RUNNING, abortLiveMigrationUpdate, forceCompleteLiveMigrationUpdate } from './live-migration/messages';
import { LIVE_MIGRATION_PRE_CHECKS, LiveMigrationPreChecks } from './live-migration/pre-checks';
import { cleanDestination, removeTransfer } from './resize/move';

const ABORTABLE: readonly string[] = [
  LiveMigrationStatus.Queued,
  LiveMigrationStatus.Preparing,
  LiveMigrationStatus.Running,
];

/** Thrown inside the workflow when the operator aborts: rolls back like a failure, ends as `cancelled`. */
class AbortRequested extends Error {}

/**
 * os-migrateLive: the source and then each destination in turn are pre-checked (a refusing destination is
 * released and the next alternate tried, as Nova's LiveMigrationTask retries); the guest keeps running on the
 * source while its disk and memory are copied to the destination in rounds (progress in the migration record);
 * abort rolls back, force-complete pauses the guest so the copy converges, and a completion timeout does one of
 * the two, as Nova's live_migration_completion_timeout / live_migration_timeout_action.
 */
export async function liveMigrateServerWorkflow(input: LiveMigrateServerInput): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  let status: string = LiveMigrationStatus.Accepted;
  let abortRequested = false;
  let forceRequested = false;
  setHandler(abortLiveMigrationUpdate, (_who: Requester) => void (abortRequested = true), {
    validator: (_who: Requester) => {
      if (!ABORTABLE.includes(status) || abortRequested) throw new Error(NOT_RUNNING);
    },
  });
  setHandler(forceCompleteLiveMigrationUpdate, (_who: Requester) => void (forceRequested = true), {
    validator: (_who: Requester) => {
      if (status !== LiveMigrationStatus.Running) throw new Error(NOT_RUNNING);
    },
  });

  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  const admission = await gate.admit(() =>
    conductor.admitOperation({
      ...requester,
      instanceUuid,
      rule: StateRules.liveMigrate,
      action: 'live-migration',
      taskState: TaskState.Migrating,
      requireHost: true,
    }),
  );
  if (!admission) return;
  const instance = admission.value;
  const source = instance.host!;
  const migrationUuid = uuid4();
  const { workflowId, runId, startTime } = workflowInfo();
  const ref = { migrationUuid, instanceUuid, requestId: requester.requestId };
  const conductorStep = started(EventName.LiveMigrateInstance);
  let current = conductorStep;
  let dest: string | undefined;
  const checks = new LiveMigrationPreChecks(input, instance, ref);
  try {
    await conductor.startMigration({
      ...requester,
      migrationUuid,
      instanceUuid,
      migrationType: 'live-migration',
      status,
      newFlavor: instance.flavor,
      workflowId,
      runId,
      events: [current],
    });
    // Runs recorded before the pre-checks existed claimed the scheduler's first choice and copied at once.
    const preChecked = hasPatch(LIVE_MIGRATION_PRE_CHECKS);
    if (preChecked) await checks.checkSource(source);
    const flavor = instance.flavor;
    const resources = flavorResources(flavor);
    const claimFirst = () =>
      scheduleAndClaim(settings, {
        instanceUuid,
        resources,
        ignoreHosts: [source],
        requestedHost: input.targetHost ?? undefined,
        maxAttempts: settings.maxAttempts,
      });
    dest = preChecked ? await checks.findDestination(claimFirst) : (await claimFirst()).host;
    upsertSearchAttributes([{ key: HostKey, value: dest }]);
    status = LiveMigrationStatus.Preparing;
    const preparing = started(EventName.PreLiveMigration, dest);
    await conductor.updateLiveMigration({
      ...ref,
      status,
      destHost: dest,
      events: [succeeded(current.name), ...checks.finished(), preparing],
    });
    current = preparing;
    const sourceCompute = computeOn(settings, source);
    const { checksum } = await sourceCompute.copyDiskLive.executeWithOptions(
      { summary: `copy the disk of ${instance.name} from ${source} while it runs` },
      [{ instanceUuid, migrationUuid }],
    );
    if (abortRequested) throw new AbortRequested();
    status = LiveMigrationStatus.Running;
    const migrating = started(EventName.LiveMigration, source);
    await conductor.updateLiveMigration({ ...ref, status, events: [succeeded(preparing.name, dest), migrating] });
    current = migrating;

    let remaining: number | null = null;
    let processed = 0;
    for (let round = 1; ; round++) {
      if (abortRequested) throw new AbortRequested();
      const timeout = settings.liveMigrationCompletionTimeoutMs;
      if (timeout > 0 && Date.now() - startTime.getTime() > timeout && !forceRequested) {
        if (settings.liveMigrationTimeoutAction === 'abort') throw new AbortRequested();
        forceRequested = true;
      }
      const copy = await sourceCompute.liveMigrationRound.executeWithOptions(
        { summary: `memory round ${round}${forceRequested ? ' (guest paused to complete)' : ''}` },
        [{ instanceUuid, remainingBytes: remaining, pausedForCompletion: forceRequested }],
      );
      processed += copy.sentBytes;
      remaining = copy.remainingBytes;
      const memory = { total: copy.totalBytes, processed, remaining };
      await conductor.updateLiveMigration({ ...ref, memory });
      if (copy.converged) break;
    }

    status = LiveMigrationStatus.PostMigrating;
    const destCompute = computeOn(settings, dest);
    let facts = await destCompute.finishMigration.executeWithOptions({ summary: `start ${instance.name} on ${dest}` }, [
      {
        instanceUuid,
        migrationUuid,
        name: instance.name,
        imageId: instance.image_id ?? '',
        flavor,
        checksum,
        powerOn: true,
        live: true,
        projectId: instance.project_id,
      },
    ]);
    if (instance.vm_state === VmState.Paused) {
      facts = await destCompute.pause.executeWithOptions({ summary: `keep ${instance.name} paused` }, [instanceUuid]);
    }
    await sourceCompute.destroy.executeWithOptions({ summary: `remove the old guest on ${source}` }, [instanceUuid]);
    await removeTransfer(input, dest, migrationUuid);
    await conductor.finishLiveMigration({
      ...ref,
      destHost: dest,
      powerState: facts.powerState,
      events: [succeeded(migrating.name, source)],
    });
  } catch (err) {
    const aborted = err instanceof AbortRequested;
    // Nova: a migration that never got past its pre-checks (no host, every destination refused) is `error`.
    const precheckFailed = status === LiveMigrationStatus.Accepted;
    const step = checks.current ?? current;
    const events = aborted
      ? [succeeded(step.name, step.host)]
      : [
          ...checks.pending,
          failed(step.name, err, step.host),
          ...(step === current ? [] : [failed(current.name, err)]),
        ];
    await CancellationScope.nonCancellable(async () => {
      const claimed = checks.placement.claim?.host;
      if (dest) {
        await cleanDestination(input, dest, source);
      } else if (claimed) {
        // Claimed but never past its check: there is no guest of ours there to destroy, only the claim.
        await conductor.releaseClaim({ consumerUuid: instanceUuid, host: claimed });
      }
      await removeTransfer(input, source, migrationUuid);
      await conductor.rollbackMigration({
        ...ref,
        status: aborted
          ? LiveMigrationStatus.Cancelled
          : precheckFailed
            ? LiveMigrationStatus.Error
            : LiveMigrationStatus.Failed,
        fault: aborted ? undefined : faultFrom(err),
        events,
      });
    });
    if (!aborted) throw asWorkflowFailure(err);
  }
}
