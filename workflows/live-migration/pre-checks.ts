import { ApplicationFailure } from '@temporalio/workflow';
import type { Claim } from '../../activities/conductor';
import type { ActionEvent } from '../../activities/conductor/events';
import { flavorResources } from '../../domain/capacity';
import { FaultType, liveMigrationRetriesMessage } from '../../domain/faults';
import type { InstanceRow } from '../../domain/rows';
import { computeOn, conductorOn } from '../activities';
import { placeAndRun, type Placement } from '../alternates';
import { EventName, failed, started, succeeded } from '../events';
import { failureType, stepFailure } from '../failures';
import type { LiveMigrateServerInput } from '../inputs';

/** The patch that put the pre-checks before the copy: runs recorded without it replay the old path. */
export const LIVE_MIGRATION_PRE_CHECKS = 'live-migration-pre-checks';

/**
 * The pre-check phase of one live migration (Nova's LiveMigrationTask before the copy). `current` is the check
 * running when a failure strikes, `pending` the finished ones the next conductor write records.
 */
export class LiveMigrationPreChecks {
  current: ActionEvent | undefined;
  pending: ActionEvent[] = [];
  readonly placement: Placement;
  private tried = 0;

  constructor(
    private readonly input: LiveMigrateServerInput,
    private readonly instance: InstanceRow,
    private readonly ref: { migrationUuid: string; instanceUuid: string; requestId: string },
  ) {
    this.placement = {
      instanceUuid: input.instanceUuid,
      resources: flavorResources(instance.flavor),
      claim: undefined,
    };
  }

  /** The guest must run (or be paused) on its source: no destination could change that, so no retries. */
  async checkSource(source: string): Promise<void> {
    this.current = started(EventName.CheckCanLiveMigrateSource, source);
    await computeOn(this.input.settings, source).checkCanLiveMigrateSource.executeWithOptions(
      { summary: `check that ${this.instance.name} runs on ${source}` },
      [this.input.instanceUuid],
    );
    this.pending.push(succeeded(this.current.name, source));
    this.current = undefined;
  }

  /**
   * Claims a candidate and runs the destination check there; a host that refuses (or does not answer) has its
   * claim released, its event ended in error with its reason, and the next alternate is tried. A requested host
   * comes alone from the scheduler, so it gets no alternates, as in Nova. Returns the checked destination.
   */
  async findDestination(claimFirst: () => Promise<Claim>): Promise<string> {
    const { settings, instanceUuid } = this.input;
    const conductor = conductorOn(settings);
    const release = (host: string) => conductor.releaseClaim({ consumerUuid: instanceUuid, host });
    try {
      return await placeAndRun(
        settings,
        this.placement,
        claimFirst,
        async (host, refused) => {
          this.tried++;
          const checking = started(EventName.CheckCanLiveMigrateDestination, host);
          if (refused) this.pending.push(failed(checking.name, refused.error, refused.host));
          await conductor.updateLiveMigration({ ...this.ref, events: [...this.pending, checking] });
          this.pending = [];
          this.current = checking;
          await computeOn(settings, host).checkCanLiveMigrateDestination.executeWithOptions(
            { summary: `check that ${host} can take ${this.instance.name}` },
            [{ instanceUuid, flavor: this.instance.flavor }],
          );
          return host;
        },
        release,
      );
    } catch (err) {
      throw this.exhausted(err);
    }
  }

  /** Hands over the checks' events to record as done once a destination passed them; the phase is over. */
  finished(): ActionEvent[] {
    const done = [...this.pending, ...(this.current ? [succeeded(this.current.name, this.current.host)] : [])];
    this.pending = [];
    this.current = undefined;
    return done;
  }

  /**
   * Running out of destinations is Nova's live-migration MaxRetriesExceeded; with one host tried (a requested
   * one, or the only candidate) its own refusal says more, so that becomes the fault.
   */
  private exhausted(err: unknown): unknown {
    if (failureType(err) !== FaultType.MaxRetriesExceeded) return err;
    if (this.tried <= 1) return stepFailure(err);
    return ApplicationFailure.create({
      message: liveMigrationRetriesMessage(this.input.instanceUuid, this.tried - 1),
      type: FaultType.MaxRetriesExceeded,
      nonRetryable: true,
      cause: err instanceof Error ? (err.cause as Error | undefined) : undefined,
    });
  }
}
