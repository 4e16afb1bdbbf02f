import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { spawnEntryPoint } from '../../worker/infra/processes';
import { waitFor } from '../../worker/infra/ports';
import { stopChild } from '../../worker/infra/temporal-server';
import { ApiClient, CIRROS, type Reply } from '../support/http';
import { expectNoStagedCopy, waitForStagedCopy } from '../support/staged-copies';
import { actionOfReply } from '../support/instance-actions';
import { startTestStack, type TestStack } from '../support/test-stack';

const HOST = 'host-a';
/** A compute host run as its own process, so the crash test can kill it mid-upload. */
const PROCESS_HOST = 'host-proc';

let stack: TestStack;
let api: ApiClient;
let hv: FakeHypervisor;
let computeProcess: ChildProcess | undefined;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: HOST }] });
  api = new ApiClient(stack.baseUrl);
  hv = stack.hypervisor(HOST);
});

afterAll(async () => {
  if (computeProcess) await stopChild(computeProcess);
  await stack?.stop();
});

afterEach(async () => {
  await hv.faults.clear();
});

const at245 = () => api.withHeaders({ 'OpenStack-API-Version': 'compute 2.45' });

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  await api.waitForStatus(id, 'ACTIVE');
  return id;
}

/** The digests Glance reports for a disk, computed here from the disk file itself. */
async function digestsOf(file: string) {
  const bytes = await fs.readFile(file);
  const digest = (algo: string) => createHash(algo).update(bytes).digest('hex');
  return { bytes, size: bytes.length, md5: digest('md5'), sha256: digest('sha256'), sha512: digest('sha512') };
}

async function imageRow(id: string): Promise<Record<string, any> | undefined> {
  const [row] = await stack.sql`SELECT * FROM images WHERE id = ${id}`;
  return row;
}

async function storedBytes(sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await stack.images.read(sha256)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function storedFault(id: string): Promise<{ code: number; message: string } | null> {
  const [row] = await stack.sql`SELECT fault FROM instances WHERE uuid = ${id}`;
  return (row?.['fault'] as { code: number; message: string } | null) ?? null;
}

const actionOf = (id: string, reply: Reply) => actionOfReply(api, id, reply);

describe('createImage', () => {
  let id: string;

  beforeAll(async () => {
    id = await activeServer('snap-source');
    // The guest's own data: the snapshot must carry it, not the image the server was built from.
    await hv.guestWrite(id, 4096, Buffer.from('written by the guest before the snapshot'));
  });

  it('uploads the disk as it is: image_uploading while it runs, then an active image with its digests', async () => {
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
    const reply = await at245().action(id, { createImage: { name: 'snap-1', metadata: { purpose: 'backup' } } });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ image_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(reply.headers.get('location')).toBeNull();
    const imageId = reply.body.image_id as string;

    const during = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'image_uploading');
    expect([during.status, during['OS-EXT-STS:vm_state']]).toEqual(['ACTIVE', 'active']);
    expect((await imageRow(imageId))?.['status']).toBe('saving');
    expect((await api.get(`/v2.1/images/${imageId}`)).body.image).toMatchObject({ status: 'SAVING', name: 'snap-1' });

    await hv.faults.clear();
    const after = await api.waitForStatus(id, 'ACTIVE');
    expect(after['OS-EXT-STS:power_state']).toBe(1);
    const disk = await digestsOf(hv.diskPath(id));
    expect(disk.sha256).toBe(await hv.diskChecksum(id));
    expect(await imageRow(imageId)).toMatchObject({
      name: 'snap-1',
      status: 'active',
      size_bytes: String(disk.size),
      checksum: disk.md5,
      os_hash_algo: 'sha512',
      os_hash_value: disk.sha512,
      store_sha256: disk.sha256,
      owner: 'admin',
      visibility: 'private',
      min_disk: 1,
      properties: {
        hw_disk_bus: 'virtio',
        base_image_ref: CIRROS,
        instance_uuid: id,
        user_id: 'admin',
        image_type: 'snapshot',
        purpose: 'backup',
      },
    });
    expect((await storedBytes(disk.sha256)).equals(disk.bytes)).toBe(true);
    const action = await actionOf(id, reply);
    expect(action).toMatchObject({ action: 'createImage', message: null });
    expect(action.events.map((e: any) => [e.event, e.result, e.host])).toEqual([
      ['compute_snapshot_instance', 'Success', HOST],
    ]);
  });

  it('answers before 2.45 with no body and a Location header at the image service', async () => {
    const reply = await api.action(id, { createImage: { name: 'snap-legacy' } });
    expect(reply.status).toBe(202);
    expect(reply.body).toBeUndefined();
    const location = reply.headers.get('location') ?? '';
    const imageId = location.split('/').pop() ?? '';
    expect(location).toBe(`${stack.baseUrl}/image/v2/images/${imageId}`);
    await api.waitForStatus(id, 'ACTIVE');
    expect((await imageRow(imageId))?.['status']).toBe('active');
  });

  it('snapshots a stopped and a paused server without changing their state', async () => {
    const other = await activeServer('snap-states');
    for (const [action, status, power] of [
      ['os-stop', 'SHUTOFF', 4],
      ['os-start', 'ACTIVE', 1],
      ['pause', 'PAUSED', 3],
    ] as const) {
      expect((await api.action(other, { [action]: null })).status).toBe(202);
      await api.waitForStatus(other, status);
      const reply = await at245().action(other, { createImage: { name: `snap-${status}` } });
      expect(reply.status).toBe(202);
      const server = await api.waitForServer(other, (s) => s['OS-EXT-STS:task_state'] === null);
      expect([server.status, server['OS-EXT-STS:power_state']]).toEqual([status, power]);
      expect((await imageRow(reply.body.image_id as string))?.['status']).toBe('active');
    }
  });

  it("refuses a server in the wrong state with Nova's 409 and creates no image", async () => {
    const rescued = await activeServer('snap-rescued');
    expect((await api.action(rescued, { rescue: null })).status).toBe(200);
    await api.waitForStatus(rescued, 'RESCUE');
    const before = await stack.sql`SELECT count(*)::int AS n FROM images`;
    const reply = await api.action(rescued, { createImage: { name: 'never' } });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({
      conflictingRequest: {
        code: 409,
        message: `Cannot 'createImage' instance ${rescued} while it is in vm_state rescued`,
      },
    });
    expect(await stack.sql`SELECT count(*)::int AS n FROM images`).toEqual(before);
  });

  it('refuses a body without a name or with a bad metadata key (400)', async () => {
    expect((await api.action(id, { createImage: {} })).status).toBe(400);
    expect((await api.action(id, { createImage: { name: ' padded' } })).status).toBe(400);
    const badKey = await api.action(id, { createImage: { name: 'x', metadata: { 'no/slash': 'v' } } });
    expect(badKey.status).toBe(400);
    expect(badKey.body.badRequest.message).toMatch(/^Invalid input for field\/attribute/);
  });

  it('deletes the image and keeps the server as it was when the upload fails, with the fault recorded', async () => {
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'abort', times: 1 });
    const reply = await at245().action(id, { createImage: { name: 'snap-broken' } });
    expect(reply.status).toBe(202);
    const imageId = reply.body.image_id as string;
    const after = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect([after.status, after['OS-EXT-STS:vm_state'], after['OS-EXT-STS:power_state']]).toEqual([
      'ACTIVE',
      'active',
      1,
    ]);
    expect(after.fault).toBeUndefined(); // a failed snapshot is no reason for ERROR
    expect(await storedFault(id)).toMatchObject({ code: 500, message: expect.stringContaining('step snapshot') });
    expect((await imageRow(imageId))?.['status']).toBe('deleted');
    expect((await api.get(`/v2.1/images/${imageId}`)).status).toBe(404);
    const action = await actionOf(id, reply);
    expect(action.message).toBe('Error');
    expect(action.events[0]).toMatchObject({ event: 'compute_snapshot_instance', result: 'Error' });
  });

  it('takes the image and its bytes with it when the server is deleted during the upload', async () => {
    const doomed = await activeServer('snap-doomed');
    await hv.guestWrite(doomed, 0, Buffer.from('unique to snap-doomed'));
    const disk = await digestsOf(hv.diskPath(doomed));
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'slow', delayMs: 2000 });
    const reply = await at245().action(doomed, { createImage: { name: 'snap-interrupted' } });
    await api.waitForServer(doomed, (s) => s['OS-EXT-STS:task_state'] === 'image_uploading');
    expect((await api.delete(`/v2.1/servers/${doomed}`)).status).toBe(204);
    await api.waitForGone(doomed);
    expect((await imageRow(reply.body.image_id as string))?.['status']).toBe('deleted');
    expect(await stack.images.has(disk.sha256)).toBe(false);
    expect(await hv.getGuest(doomed)).toBeUndefined();
  });

  it('stores identical snapshots once, and they outlive their server', async () => {
    const stopped = await activeServer('snap-twice');
    expect((await api.action(stopped, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(stopped, 'SHUTOFF');
    const first = (await at245().action(stopped, { createImage: { name: 'twin-1' } })).body.image_id as string;
    await api.waitForStatus(stopped, 'SHUTOFF');
    const second = (await at245().action(stopped, { createImage: { name: 'twin-2' } })).body.image_id as string;
    await api.waitForStatus(stopped, 'SHUTOFF');
    const sha256 = (await imageRow(first))?.['store_sha256'] as string;
    expect((await imageRow(second))?.['store_sha256']).toBe(sha256);
    expect((await api.delete(`/v2.1/servers/${stopped}`)).status).toBe(204);
    await api.waitForGone(stopped);
    expect(await stack.images.has(sha256)).toBe(true); // snapshots outlive their server
  });
});

describe('createImage across a compute crash', () => {
  function startComputeProcess(): ChildProcess {
    return spawnEntryPoint(
      'compute',
      {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        TEMPORAL_ADDRESS: stack.temporalAddress,
        NOVA_QUEUE_PREFIX: stack.prefix,
        NOVA_COMPUTE_HOST: PROCESS_HOST,
        NOVA_DATA_DIR: stack.dataDir,
        NOVA_COMPUTE_REPORT_INTERVAL_S: '2',
        LOG_LEVEL: 'warn',
      },
      'ignore',
    );
  }

  beforeAll(async () => {
    // Only the process host takes new servers from here on.
    await stack.sql`UPDATE hosts SET disabled = true WHERE name = ${HOST}`;
    computeProcess = startComputeProcess();
    await waitFor('the compute process to register', async () => {
      return (await stack.sql`SELECT 1 FROM hosts WHERE name = ${PROCESS_HOST}`).length === 1;
    });
  });

  it('finishes the snapshot after the compute host is killed mid-upload and restarted, leaving nothing behind', async () => {
    const processHv = stack.hypervisor(PROCESS_HOST);
    const id = await activeServer('snap-survivor');
    expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host']).toBe(PROCESS_HOST);
    await processHv.guestWrite(id, 12_345, Buffer.from('data that must survive the crash'));
    await processHv.faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
    const reply = await at245().action(id, { createImage: { name: 'snap-crash' } });
    const imageId = reply.body.image_id as string;
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'image_uploading');
    await waitForStagedCopy(stack.imageDir);

    computeProcess!.kill('SIGKILL');
    await new Promise((resolve) => computeProcess!.once('exit', resolve));
    await processHv.faults.clear();
    computeProcess = startComputeProcess();

    const server = await api.waitForStatus(id, 'ACTIVE', 45_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe(PROCESS_HOST);
    const disk = await digestsOf(processHv.diskPath(id));
    expect(await imageRow(imageId)).toMatchObject({ status: 'active', store_sha256: disk.sha256 });
    expect((await storedBytes(disk.sha256)).equals(disk.bytes)).toBe(true);
    await expectNoStagedCopy(stack.imageDir);
    const claims = await stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`;
    expect(claims).toEqual([{ host: PROCESS_HOST }]);
  });
});
