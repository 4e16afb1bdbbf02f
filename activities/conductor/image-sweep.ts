import type { ImageStore } from '../../storage/image-store';
import type { Sql } from './db';
import { NOT_HOLDING, releaseImageData } from './images';

/**
 * Releases bytes in the store that no live image holds and that were written before `cutoff`: those of an upload
 * whose API process died between publishing them and its commit, or of a snapshot whose activation rolled back
 * before an operator terminated its run. Each goes through the release (the address's lock, then the holder
 * check), so bytes an activation is publishing at that moment stay. The cutoff spares bytes a host of an older
 * release published before their record. Returns the addresses released.
 */
export async function sweepUnheldImageData(sql: Sql, images: ImageStore, cutoff: Date): Promise<string[]> {
  const old = (await images.listPublished()).filter((p) => p.writtenAt < cutoff);
  if (old.length === 0) return [];
  const rows = await sql<{ store_sha256: string }[]>`
    SELECT DISTINCT store_sha256 FROM images
    WHERE store_sha256 IS NOT NULL AND status NOT IN ${sql(NOT_HOLDING as string[])}`;
  const held = new Set(rows.map((r) => r.store_sha256));
  const unheld = old.map((p) => p.sha256).filter((sha256) => !held.has(sha256));
  for (const sha256 of unheld) await releaseImageData(sql, images, sha256);
  return unheld;
}
