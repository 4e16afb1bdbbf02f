import { ImageStoreOfAnotherDatabase, sweepUnheldImageData } from '../activities/conductor/image-sweep';
import type { Sql } from '../activities/conductor/db';
import type { ImageStore } from '../storage/image-store';
import type { Logger } from './logger';

export interface SweepTiming {
  /** The first sweep comes this long after the start, plus up to as much again, so restarts spread out. */
  firstAfterMs: number;
  /** Between the end of one sweep and the start of the next. */
  everyMs: number;
  /** How long ago bytes must have been written: longer than any activation takes to commit, or a fleet is down. */
  unheldForMs: number;
}

const HOURLY: SweepTiming = { firstAfterMs: 60_000, everyMs: 3600_000, unheldForMs: 24 * 3600_000 };
/** How many released addresses a log line names; the count says the rest. */
const LOGGED_ADDRESSES = 10;

/**
 * Each conductor sweeps the image store of bytes no image holds, a minute or two after it starts and hourly after
 * that; sweeps of several conductors at once are safe (each release takes the address's lock). Returns a stop
 * that waits for a sweep in progress.
 */
export function startImageSweeper(sql: Sql, images: ImageStore, log: Logger, timing = HOURLY): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    try {
      const cutoff = new Date(Date.now() - timing.unheldForMs);
      const { released, failed } = await sweepUnheldImageData(sql, images, cutoff, () => stopped);
      if (released.length > 0) {
        log.info(
          { count: released.length, sample: released.slice(0, LOGGED_ADDRESSES) },
          'released unheld image bytes',
        );
      }
      for (const { sha256, err } of failed.slice(0, LOGGED_ADDRESSES)) {
        log.warn(
          { sha256, err, failed: failed.length },
          'releasing unheld image bytes failed; the next sweep tries again',
        );
      }
    } catch (err) {
      // Not this database's store (or not claimed by any): an operator must look, so it says so every time.
      if (err instanceof ImageStoreOfAnotherDatabase) log.error({ err }, "the image store is not this database's");
      else log.warn({ err }, 'sweeping unheld image bytes failed; the next sweep tries again');
    }
  };
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      running = sweep().then(() => {
        if (!stopped) schedule(timing.everyMs);
      });
    }, delayMs).unref();
  };
  schedule(timing.firstAfterMs * (1 + Math.random()));
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
