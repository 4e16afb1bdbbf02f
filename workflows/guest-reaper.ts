import { log } from '@temporalio/workflow';
import type { OperationSettings } from '../config';
import { computeOn } from './activities';

/**
 * Destroys the orphaned guests the conductor names in its replies to a host's reports (Nova's
 * running_deleted_instance_action=reap). The destroys run beside the report loop, never in it: a host whose
 * destroy fails or hangs still gets its liveness recorded. One destroy per guest at a time, a single attempt each
 * with a bounded run time: the conductor names a guest that is still there again in a later reply, and destroy is
 * idempotent.
 */
export class GuestReaper {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly settings: OperationSettings,
    private readonly host: string,
  ) {}

  reap(orphans: readonly string[]): void {
    for (const instanceUuid of orphans) {
      if (this.inFlight.has(instanceUuid)) continue;
      const done = this.destroy(instanceUuid).finally(() => this.inFlight.delete(instanceUuid));
      this.inFlight.set(instanceUuid, done);
    }
  }

  /** Resolves once no destroy is in flight (before the workflow continues as new). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }

  private async destroy(instanceUuid: string): Promise<void> {
    try {
      await computeOn(this.settings, this.host).destroy.executeWithOptions(
        {
          summary: `reap the orphaned guest of instance ${instanceUuid}`,
          startToCloseTimeout: '1m',
          retry: { maximumAttempts: 1 },
        },
        [instanceUuid],
      );
      log.info('reaped an orphaned guest', { host: this.host, instanceUuid });
    } catch (err) {
      log.warn('could not reap an orphaned guest; a later report tries again', {
        host: this.host,
        instanceUuid,
        error: String(err),
      });
    }
  }
}
