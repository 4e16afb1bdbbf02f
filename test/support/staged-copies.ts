import { promises as fs } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../worker/infra/ports';

/** The copies waiting in the image store's incoming/ (hosts' snapshots, uploads) of a stack's data directory. */
export async function stagedCopies(dataDir: string): Promise<string[]> {
  return fs.readdir(path.join(dataDir, 'images', 'incoming')).catch(() => []);
}

/** Until a host has staged part of an upload, so that a kill lands with a partial copy in the store. */
export async function waitForStagedCopy(dataDir: string): Promise<void> {
  await waitFor('a staged copy in the image store', async () => (await stagedCopies(dataDir)).length > 0);
}

/** No staged copy is left once the operation's end has dropped them (after its last commit: waits a little). */
export async function expectNoStagedCopy(dataDir: string): Promise<void> {
  const none = async () => (await stagedCopies(dataDir)).length === 0;
  await waitFor('no staged copy left', none, 10_000).catch(() => undefined);
  expect(await stagedCopies(dataDir)).toEqual([]);
}
