import { log } from '@temporalio/workflow';
import type { OperationSettings } from '../config';
import { computeOn } from './activities';

/**
 * Destroys the orphaned guests the conductor names in its replies to a host's reports (Nova's
 * running_deleted_instance_action=reap), and removes the disk copies of settled migrations left in the transfer
 * area. The removals run beside the report loop, never in it: a host whose destroy fails or hangs still gets its
 * liveness recorded. One removal per guest or copy at a time, a single attempt each with a bounded run time: the
 * conductor names a leftover that is still there again in a later reply, and every removal is idempotent.
 */
export class HostReaper {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly settings: OperationSettings,
    private readonly host: string,
  ) {}

  reap(orphans: readonly string[]): void {
    for (const instanceUuid of orphans) {
      this.once('destroy', instanceUuid, {
        summary: `reap the orphaned guest of instance ${instanceUuid}`,
        what: 'an orphaned guest',
        ids: { instanceUuid },
      });
    }
  }

  /** Removes the transfer-area copies of migrations the conductor found settled. */
  removeTransfers(migrationUuids: readonly string[]): void {
    for (const migrationUuid of migrationUuids) {
      this.once('removeMigrationTransfer', migrationUuid, {
        summary: `remove the disk copy of settled migration ${migrationUuid}`,
        what: 'the disk copy of a settled migration',
        ids: { migrationUuid },
      });
    }
  }

  /** Resolves once no removal is in flight (before the workflow continues as new). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }

  private once(step: 'destroy' | 'removeMigrationTransfer', uuid: string, about: Removal): void {
    const key = `${step} ${uuid}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.set(
      key,
      this.remove(step, uuid, about).finally(() => this.inFlight.delete(key)),
    );
  }

  private async remove(step: 'destroy' | 'removeMigrationTransfer', uuid: string, about: Removal): Promise<void> {
    try {
      await computeOn(this.settings, this.host)[step].executeWithOptions(
        { summary: about.summary, startToCloseTimeout: '1m', retry: { maximumAttempts: 1 } },
        [uuid],
      );
      log.info(`removed ${about.what}`, { host: this.host, ...about.ids });
    } catch (err) {
      log.warn(`could not remove ${about.what}; a later report tries again`, {
        host: this.host,
        ...about.ids,
        error: String(err),
      });
    }
  }
}

interface Removal {
  summary: string;
  /** For the log: what is removed. */
  what: string;
  ids: Record<string, string>;
}
