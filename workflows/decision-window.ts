import { ApplicationFailure, CancellationScope, CancelledFailure, condition } from '@temporalio/workflow';
import { refusal } from './admission';
import { asWorkflowFailure } from './failures';

/**
 * Where a waiting run stands for requests: about to wait (a request is held until the wait begins: the API may see
 * the state a moment before the run waits), waiting (requests are taken), or neither (refused).
 */
export type WindowState = 'ahead' | 'open' | 'closed';

/** How a wait ended: a request admitted (it wins over a timer or a cancellation that came meanwhile), or not. */
export type WaitOutcome<D> =
  { ended: 'decided'; decision: D } | { ended: 'timeout' } | { ended: 'cancelled'; failure: CancelledFailure };

/**
 * The requests a run takes as updates while it waits on a durable timer (a soft-deleted server's restore, a shelved
 * server's unshelve or offload): each is admitted through the conductor in its update handler, one at a time, and
 * the run carries out the admitted one. A refused request leaves the run waiting, so its timer still runs out.
 */
export class DecisionWindow<D> {
  private decision: D | undefined;
  private deciding = false;

  constructor(
    private readonly state: () => WindowState,
    private readonly notWaiting: string,
  ) {}

  /** The update's validator: refused outright when not waiting, or while another request is admitted or deciding. */
  readonly validate = (): void => {
    if (this.state() === 'closed' || this.busy()) throw new Error(this.notWaiting);
  };

  /**
   * The update's handler: held while the wait is ahead, then admitted through `admit`. Not cancellable: a delete
   * arriving meanwhile finds the admission decided, not cut off after its commit. A refusal fails the update with
   * the conductor's error (Nova's, for the API to answer) and leaves the window open.
   */
  async decide(admit: () => Promise<D>): Promise<void> {
    await condition(() => this.state() !== 'ahead');
    // Checked and claimed with no await between: two updates resumed in one activation cannot both pass.
    if (this.state() !== 'open' || this.busy()) throw ApplicationFailure.nonRetryable(this.notWaiting, 'NotWaiting');
    this.deciding = true;
    try {
      this.decision = await CancellationScope.nonCancellable(admit);
    } catch (err) {
      throw refusal(err);
    } finally {
      this.deciding = false;
    }
  }

  /**
   * Waits until a request is admitted, `deadline` (workflow time, ms) passes or the run is cancelled. An admission
   * in flight is decided first: a timer or a cancellation arriving meanwhile waits for it. The decision is taken out
   * of the window, which is open again should carrying it out fail.
   */
  async wait(deadline: number): Promise<WaitOutcome<D>> {
    let cancelled: CancelledFailure | undefined;
    try {
      // At least 1 ms: the deadline may have passed already once a failed request is over.
      await condition(() => this.decision !== undefined, Math.max(1, deadline - Date.now()));
    } catch (err) {
      if (!(err instanceof CancelledFailure)) throw asWorkflowFailure(err);
      cancelled = err;
    }
    await CancellationScope.nonCancellable(() => condition(() => !this.deciding));
    const decision = this.decision;
    if (decision !== undefined) {
      this.decision = undefined;
      return { ended: 'decided', decision };
    }
    return cancelled ? { ended: 'cancelled', failure: cancelled } : { ended: 'timeout' };
  }

  private busy(): boolean {
    return this.deciding || this.decision !== undefined;
  }
}
