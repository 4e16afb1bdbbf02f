import { sweepUnheldImageData } from '../activities/conductor/image-sweep';
import type { Sql } from '../activities/conductor/db';
import type { ImageStore } from '../storage/image-store';
import type { Logger } from './logger';

export interface SweepTiming {
  firstAfterMs: number;
  everyMs: number;
  /** How long bytes must have been written: longer than any activation takes to commit, or a fleet is down. */
  unheldForMs: number;
}

const HOURLY: SweepTiming = { firstAfterMs: 60_000, everyMs: 3600_000, unheldForMs: 24 * 3600_000 };

/**
 * Each conductor sweeps the image store of bytes no image holds, a minute after it starts and hourly after that;
 * sweeps of several conductors at once are safe (each release takes the address's lock). Returns a stop.
 */
export function startImageSweeper(sql: Sql, images: ImageStore, log: Logger, timing = HOURLY): () => void {
  const sweep = () => {
    sweepUnheldImageData(sql, images, new Date(Date.now() - timing.unheldForMs)).then(
      (released) => {
        if (released.length > 0) log.info({ released }, 'released image bytes no image holds');
      },
      (err: unknown) => log.warn({ err }, 'sweeping image bytes no image holds failed; the next sweep tries again'),
    );
  };
  let every: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    sweep();
    every = setInterval(sweep, timing.everyMs).unref();
  }, timing.firstAfterMs).unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
