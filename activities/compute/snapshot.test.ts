import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, promises as fs, readFileSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalImageStore } from '../../storage/image-store';
import { DiskChecksumMismatch } from './disk-transfer';
import { HypervisorStepFailed } from './errors';
import { FakeHypervisor, StepCancelled, type StepContext } from './fake-hypervisor';
import { HypervisorStep } from './fault-switches';
import { snapshotDisk, stageSnapshot } from './snapshot';
import { TINY_FLAVOR } from '../../test/support/flavors';

const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';
const UUID = '00000000-0000-4000-8000-000000000001';
const quiet: StepContext = { progress: () => undefined, signal: new AbortController().signal };

let dir: string;
let hv: FakeHypervisor;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'snapshot-'));
  hv = new FakeHypervisor('host-x', path.join(dir, 'host'), new LocalImageStore(path.join(dir, 'images')));
  await hv.spawn({ uuid: UUID, name: 'vm', flavor: TINY_FLAVOR, imageId: IMAGE }, true, quiet);
  await hv.guestWrite(UUID, 5000, Buffer.from('the guest wrote this'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * What FakeHypervisor.guestWrite does, done synchronously so that it lands between two chunks of a copy in
 * progress: the bytes in place, then the guest's record of its disk checksum.
 */
function guestWriteNow(offset: number, text: string): void {
  const disk = hv.diskPath(UUID);
  const fd = openSync(disk, 'r+');
  writeSync(fd, Buffer.from(text), 0, text.length, offset);
  closeSync(fd);
  const record = path.join(hv.hostDir, 'guests', `${UUID}.json`);
  const guest = JSON.parse(readFileSync(record, 'utf8')) as { diskChecksum: string };
  guest.diskChecksum = createHash('sha256').update(readFileSync(disk)).digest('hex');
  writeFileSync(record, JSON.stringify(guest));
}

/** Every file under the store, temporary ones included. */
async function storeFiles(): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, 'images'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe('stageSnapshot and snapshotDisk', () => {
  it("stages the disk byte for byte, with the guest's checksum as its address, reporting progress", async () => {
    const disk = await fs.readFile(hv.diskPath(UUID));
    const progress: number[] = [];
    const stored = await stageSnapshot(hv, UUID, { ...quiet, progress: (p) => progress.push(p.done) });
    expect(stored.sha256).toBe((await hv.getGuest(UUID))?.diskChecksum);
    expect(stored).toMatchObject({
      sizeBytes: disk.length,
      md5: createHash('md5').update(disk).digest('hex'),
      sha512: createHash('sha512').update(disk).digest('hex'),
    });
    // Out of sight until the conductor publishes it with the image record.
    expect(await hv.images.has(stored.sha256)).toBe(false);
    await hv.images.publish(stored);
    const parts: Buffer[] = [];
    for await (const part of await hv.images.read(stored.sha256)) parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(disk)).toBe(true);
    expect(progress.at(-1)).toBe(16);
  });

  it('keeps one copy when the same disk is snapshot twice (a retried step) and both are published', async () => {
    const first = await stageSnapshot(hv, UUID, quiet);
    const second = await stageSnapshot(hv, UUID, quiet);
    expect({ ...second, staged: '' }).toEqual({ ...first, staged: '' });
    await hv.images.publish(first);
    await hv.images.publish(second);
    await hv.images.unstage(first.staged);
    await hv.images.unstage(second.staged);
    expect(await storeFiles()).toEqual([first.sha256]);
  });

  it('names the copy for the image it is for, so the conductor can drop it without its name', async () => {
    const imageId = '5a1d8b37-0c52-4c4b-9f7e-8a4b1e0f2c11';
    const stored = await stageSnapshot(hv, UUID, quiet, imageId);
    expect(stored.staged.startsWith(`${imageId}.`)).toBe(true);
    await hv.images.unstageOwned(imageId);
    expect(await storeFiles()).toEqual([]);
  });

  it('copies the empty disk of a server booted from an empty image', async () => {
    const empty = await hv.images.write((async function* () {})());
    const id = '00000000-0000-4000-8000-000000000002';
    await hv.spawn(
      { uuid: id, name: 'empty', flavor: TINY_FLAVOR, imageId: IMAGE, imageSha256: empty.sha256 },
      true,
      quiet,
    );
    const stored = await stageSnapshot(hv, id, quiet);
    expect(stored).toMatchObject({ sha256: empty.sha256, sizeBytes: 0 });
  });

  it('publishes the disk at once for a conductor of an older release, which does not ask to stage it', async () => {
    const stored = await snapshotDisk(hv, UUID, quiet);
    expect(stored).not.toHaveProperty('staged');
    expect(await hv.images.has(stored.sha256)).toBe(true);
    expect(await storeFiles()).toEqual([stored.sha256]);
  });

  it('refuses a copy that a guest write tore apart and stores nothing of it', async () => {
    // After the first chunk went out the guest changes it: the copy now matches no moment of the disk.
    const writeMidCopy: StepContext = { ...quiet, progress: (p) => p.done === 1 && guestWriteNow(10, 'late write') };
    await expect(stageSnapshot(hv, UUID, writeMidCopy)).rejects.toBeInstanceOf(DiskChecksumMismatch);
    expect(await storeFiles()).toEqual([]);
  });

  it('takes a write that lands before its chunk is read: the copy is the disk after the write', async () => {
    const writeAhead: StepContext = { ...quiet, progress: (p) => p.done === 1 && guestWriteNow(900_000, 'early') };
    const stored = await stageSnapshot(hv, UUID, writeAhead);
    expect(stored.sha256).toBe(await hv.diskChecksum(UUID));
    expect(stored.sha256).toBe((await hv.getGuest(UUID))?.diskChecksum);
  });

  it('fails on its fault switch, and stops when cancelled, leaving the store empty', async () => {
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'abort', times: 1 });
    await expect(stageSnapshot(hv, UUID, quiet)).rejects.toBeInstanceOf(HypervisorStepFailed);
    const cancel = new AbortController();
    cancel.abort();
    await expect(stageSnapshot(hv, UUID, { ...quiet, signal: cancel.signal })).rejects.toBeInstanceOf(StepCancelled);
    expect(await storeFiles()).toEqual([]);
  });
});
