import { promises as fs } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../worker/infra/ports';

/** The copies waiting in an image store's incoming/ (hosts' snapshots, uploads); `root` is the store's root. */
export async function stagedCopies(root: string): Promise<string[]> {
  return (await fs.readdir(path.join(root, 'incoming')).catch(() => [] as string[])).sort();
}

/** Until a host has staged part of an upload, so that a kill lands with a partial copy in the store. */
export async function waitForStagedCopy(root: string): Promise<void> {
  await waitFor('a staged copy in the image store', async () => (await stagedCopies(root)).length > 0);
}

/** No staged copy is left once the operation's end has dropped them (after its last commit: waits a little). */
export async function expectNoStagedCopy(root: string): Promise<void> {
  const none = async () => (await stagedCopies(root)).length === 0;
  await waitFor('no staged copy left', none, 10_000).catch(() => undefined);
  expect(await stagedCopies(root)).toEqual([]);
}
