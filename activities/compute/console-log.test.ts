import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsoleLog, tailLines } from './console-log';
import { FakeHypervisor, type StepContext } from './fake-hypervisor';
import { LocalImageStore } from '../../storage/image-store';
import { TINY_FLAVOR } from '../../test/support/flavors';

const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';
const UUID = '00000000-0000-4000-8000-000000000001';
const ctx: StepContext = { progress: () => undefined, signal: new AbortController().signal };

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'console-log-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('tailLines', () => {
  const log = 'one\ntwo\nthree\n';

  it("takes the last lines exactly as Nova's _tail_log splits and joins them", () => {
    expect(tailLines('one\ntwo\nthree', 2)).toBe('two\nthree');
    // A log that ends in a newline ends in an empty line, which counts, as in Nova.
    expect(tailLines(log, 2)).toBe('three\n');
    expect(tailLines(log, 1)).toBe('');
    expect(tailLines(log, 10)).toBe(log);
  });

  it('gives nothing for 0 and everything for no length', () => {
    expect(tailLines(log, 0)).toBe('');
    expect(tailLines(log, null)).toBe(log);
    expect(tailLines('', 3)).toBe('');
  });
});

describe('ConsoleLog', () => {
  it('reads only the newest 100 KiB, as libvirt caps a console, and keeps the file from growing past 1 MiB', async () => {
    const log = new ConsoleLog(dir);
    const guest = { uuid: UUID, name: 'chatty', flavor: { vcpus: 1, memory_mb: 512 } };
    const size = async () => (await fs.stat(path.join(dir, `${UUID}.log`))).size;
    for (let i = 0; i < 300; i++) await log.boot(guest);
    expect(await size()).toBeGreaterThan(100 * 1024);
    const read = await log.read(UUID);
    expect(read.length).toBe(100 * 1024);
    expect(read.endsWith('chatty login: ')).toBe(true);
    for (let i = 0; i < 3000; i++) await log.boot(guest);
    expect(await size()).toBeLessThanOrEqual(1024 * 1024);
    expect((await log.read(UUID)).endsWith('chatty login: ')).toBe(true);
  });

  it('reads an empty console for a guest that never printed, and none after its removal', async () => {
    const log = new ConsoleLog(dir);
    expect(await log.read(UUID)).toBe('');
    await log.powerDown(UUID);
    await log.remove(UUID);
    expect(await log.read(UUID)).toBe('');
  });
});

describe("the fake hypervisor's guests", () => {
  it('print once per change: a retried power-off or power-on adds nothing', async () => {
    const hv = new FakeHypervisor('host-x', dir, new LocalImageStore(path.join(dir, 'images')));
    await hv.spawn({ uuid: UUID, name: 'vm', flavor: TINY_FLAVOR, imageId: IMAGE }, true, ctx);
    await hv.powerOff(UUID, ctx);
    await hv.powerOff(UUID, ctx);
    await hv.powerOn(UUID, ctx);
    await hv.powerOn(UUID, ctx);
    const output = await hv.console.read(UUID);
    expect(output.split('reboot: Power down').length - 1).toBe(1);
    expect(output.split('vm login:').length - 1).toBe(2);
    await hv.destroy(UUID, ctx);
    expect(await hv.console.read(UUID)).toBe('');
  });

  it('print nothing when spawned powered off', async () => {
    const hv = new FakeHypervisor('host-x', dir, new LocalImageStore(path.join(dir, 'images')));
    await hv.spawn({ uuid: UUID, name: 'vm', flavor: TINY_FLAVOR, imageId: IMAGE }, false, ctx);
    expect(await hv.console.read(UUID)).toBe('');
  });
});
