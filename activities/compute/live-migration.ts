import { setTimeout as sleep } from 'node:timers/promises';
import { GuestNotFound } from './errors';
import { HypervisorStep } from './fault-switches';
import { checkCancelled, type FakeHypervisor, type StepContext } from './fake-hypervisor';

/** How long one pre-copy round of guest memory takes in the fake hypervisor. */
const ROUND_MS = 100;
/** Share of the memory sent in a round that the guest dirties again meanwhile. */
const DIRTY_RATIO = 0.25;
/** Rounds stop once what is left fits in a pause this small (share of all memory). */
const CONVERGED_SHARE = 0.02;

export interface MemoryRound {
  totalBytes: number;
  /** Sent in this round. */
  sentBytes: number;
  /** Dirty again after it: what the next round must send. */
  remainingBytes: number;
  converged: boolean;
}

/**
 * One pre-copy round of a live migration: sends what is dirty and reports what the guest dirtied meanwhile.
 * The `liveMigrate` fault switch in `hang` mode makes the guest dirty everything again (never converges);
 * `pausedForCompletion` (force-complete) stops the guest dirtying anything, so the next round finishes.
 */
export async function memoryRound(
  hv: FakeHypervisor,
  uuid: string,
  remainingBytes: number | null,
  pausedForCompletion: boolean,
  ctx: StepContext,
): Promise<MemoryRound> {
  const guest = await hv.getGuest(uuid);
  if (!guest) throw new GuestNotFound(uuid, hv.host);
  const nonConverging = (await hv.faults.read())[HypervisorStep.LiveMigrate]?.mode === 'hang';
  if (!nonConverging) await hv.applyFault(HypervisorStep.LiveMigrate, ctx);
  const totalBytes = guest.flavor.memory_mb * 1024 * 1024;
  const sentBytes = remainingBytes ?? totalBytes;
  checkCancelled(ctx, 'liveMigrate');
  ctx.progress({ step: 'liveMigrate', done: 0, total: sentBytes });
  await sleep(ROUND_MS);
  const ratio = pausedForCompletion ? 0 : nonConverging ? 1 : DIRTY_RATIO;
  const left = Math.floor(sentBytes * ratio);
  return { totalBytes, sentBytes, remainingBytes: left, converged: left <= totalBytes * CONVERGED_SHARE };
}
