import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import type { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { atLeast, parseVersion } from '../../api/microversion';
import { rebuildBodySchema, serverBodySchema } from '../../api/views/server';
import { instanceWorkflowId } from '../../domain/naming';
import { HostKey, OperationKey } from '../../domain/search-attributes';
import { waitFor } from '../../worker/infra/ports';
import { spawnEntryPoint } from '../../worker/infra/processes';
import { stopChild } from '../../worker/infra/temporal-server';
import { ApiClient, CIRROS, type Reply } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// The one compute host runs as its own process, started as `npm start` starts it, so a test can kill it.
const HOST = 'host-rebuild';
const UBUNTU = 'a2459075-d96c-40d5-893e-577ff92e721c';
/** m1.small: Ubuntu's min_disk (3 GB) does not fit m1.tiny's 1 GB root disk. */
const SMALL = '2';
const SLOW = { mode: 'slow', delayMs: 1500, times: 1 } as const;

let stack: TestStack;
let api: ApiClient;
let hv: FakeHypervisor;
let compute: ChildProcess | undefined;

function startComputeProcess(): ChildProcess {
  return spawnEntryPoint(
    'compute',
    {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      TEMPORAL_ADDRESS: stack.temporalAddress,
      NOVA_QUEUE_PREFIX: stack.prefix,
      NOVA_COMPUTE_HOST: HOST,
      NOVA_DATA_DIR: stack.dataDir,
      NOVA_COMPUTE_REPORT_INTERVAL_S: '2',
      LOG_LEVEL: 'warn',
    },
    'ignore',
  );
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [] });
  api = new ApiClient(stack.baseUrl);
  hv = stack.hypervisor(HOST);
  compute = startComputeProcess();
  await waitFor('the compute process to register its host', async () => {
    return (await stack.sql`SELECT 1 FROM hosts WHERE name = ${HOST}`).length === 1;
  });
});

afterAll(async () => {
  if (compute) await stopChild(compute);
  await stack?.stop();
});

afterEach(async () => {
  await hv.faults.clear();
});

async function activeServer(name: string, flavorRef = SMALL): Promise<string> {
  const id = await api.createServer({ name, flavorRef });
  await api.waitForStatus(id, 'ACTIVE');
  return id;
}

function at(version: string): ApiClient {
  return api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
}

function rebuild(id: string, body: Record<string, unknown>, client = api): Promise<Reply> {
  return client.action(id, { rebuild: body });
}

async function show(id: string): Promise<any> {
  return (await api.get(`/v2.1/servers/${id}`)).body.server;
}

/** The instance action a reply's request recorded, with its events as [event, result, host]. */
async function actionOf(id: string, reply: Reply): Promise<{ action: string; message: string | null; events: any[] }> {
  const requestId = reply.headers.get('x-openstack-request-id');
  const { action, message, events } = (await at('2.62').get(`/v2.1/servers/${id}/os-instance-actions/${requestId}`))
    .body.instanceAction;
  return {
    action,
    message,
    events: (events as any[]).map((e) => [e.event, e.result, e.host ?? null]).sort(),
  };
}

/** The encoded histories of every run of the instance: payloads are plain JSON bytes inside them. */
async function historyBytes(id: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const wf of stack.client.workflow.list({ query: `InstanceId = '${id}'` })) {
    const history = await stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    parts.push(Buffer.from(temporal.api.history.v1.History.encode(history).finish()));
  }
  return Buffer.concat(parts);
}

/** Puts an image row straight into the catalog, as the image service would after an upload. */
async function insertImage(fields: { status: string; storeSha256?: string; sizeBytes?: number }): Promise<string> {
  const id = randomUUID();
  await stack.sql`
    INSERT INTO images (id, name, status, size_bytes, store_sha256, min_disk)
    VALUES (${id}, ${`test-image-${id.slice(0, 8)}`}, ${fields.status}, ${fields.sizeBytes ?? null},
            ${fields.storeSha256 ?? null}, 0)`;
  return id;
}

describe('rebuild from ACTIVE', () => {
  let id: string;
  let reply: Reply;
  let launchedBefore: string;

  beforeAll(async () => {
    id = await activeServer('rebuild-me');
    launchedBefore = (await show(id))['OS-SRV-USG:launched_at'];
    await hv.guestWrite(id, 8192, Buffer.from('a file the old system had'));
  });

  it('answers 202 with the server, already showing REBUILD and the new image, and a generated adminPass', async () => {
    await hv.faults.set(HypervisorStep.Rebuild, SLOW);
    reply = await rebuild(id, { imageRef: UBUNTU });
    expect(reply.status).toBe(202);
    const server = reply.body.server;
    expect(rebuildBodySchema(parseVersion('2.1')!).parse(server)).toBeTruthy();
    expect(server).toMatchObject({ id, status: 'REBUILD', progress: 0, image: { id: UBUNTU } });
    expect(server.adminPass).toMatch(/^\S{8,}$/);
    expect(reply.headers.get('location')).toBe(`${stack.baseUrl}/v2.1/servers/${id}`);

    const during = await show(id);
    expect(during.status).toBe('REBUILD');
    expect(during.image.id).toBe(UBUNTU);
    expect(['rebuilding', 'rebuild_block_device_mapping', 'rebuild_spawning']).toContain(
      during['OS-EXT-STS:task_state'],
    );
  });

  it('ends ACTIVE with a disk written from the new image: what the guest wrote before is gone', async () => {
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-STS:vm_state']).toBe('active');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect(server.image.id).toBe(UBUNTU);
    expect(server['OS-SRV-USG:launched_at'] >= launchedBefore).toBe(true);
    expect(await hv.diskChecksum(id)).toBe(expectedDiskChecksum(UBUNTU));
    expect(await hv.getGuest(id)).toMatchObject({ imageId: UBUNTU, powerState: 1 });
    await expect(fs.stat(hv.rebuildDiskPath(id))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('records the instance action rebuild with the conductor and compute events', async () => {
    expect(await actionOf(id, reply)).toEqual({
      action: 'rebuild',
      message: null,
      events: [
        ['compute_rebuild_instance', 'Success', HOST],
        ['rebuild_server', 'Success', null],
      ],
    });
  });

  it('keeps the admin password out of every workflow history', async () => {
    expect((await historyBytes(id)).includes(reply.body.server.adminPass as string)).toBe(false);
  });

  it('is visible in Temporal as the instance workflow, with Operation rebuild, its Host and a summary', async () => {
    const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id));
    const described = await handle.describe();
    expect(described.type).toBe('rebuildServerWorkflow');
    expect(described.typedSearchAttributes.get(OperationKey)).toBe('rebuild');
    expect(described.typedSearchAttributes.get(HostKey)).toBe(HOST);
    expect(await described.staticSummary()).toMatch(/^rebuild server rebuild-me \(.*\) from image ubuntu-24\.04/);
  });
});

describe('the 202 body', () => {
  let id: string;

  beforeAll(async () => {
    id = await activeServer('shapes');
  });

  it.each(['2.1', '2.19', '2.54', '2.57', '2.74', '2.75', '2.90', '2.100'])(
    "matches Nova's rebuild response schema at %s, with the given adminPass",
    async (version) => {
      const adminPass = `Secret-${version}`;
      const reply = await rebuild(id, { imageRef: CIRROS, adminPass }, at(version));
      expect(reply.status).toBe(202);
      expect(rebuildBodySchema(parseVersion(version)!).parse(reply.body.server)).toBeTruthy();
      expect(reply.body.server.adminPass).toBe(adminPass);
      expect('user_data' in reply.body.server).toBe(atLeast(parseVersion(version)!, '2.57'));
      await api.waitForStatus(id, 'ACTIVE');
      expect((await historyBytes(id)).includes(adminPass)).toBe(false);
    },
  );

  it('shows the full server from 2.75: states, zone, launched_at, as GET does', async () => {
    const reply = await rebuild(id, { imageRef: CIRROS }, at('2.75'));
    const server = reply.body.server;
    expect(server['OS-EXT-STS:task_state']).toMatch(/^rebuild/);
    expect(server['OS-EXT-STS:vm_state']).toBe('active');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe(HOST);
    expect(server).not.toHaveProperty('OS-EXT-SRV-ATTR:user_data');
    expect(server.user_data).toBeNull();
    await api.waitForStatus(id, 'ACTIVE');
    const { adminPass: _a, user_data: _u, ...rest } = server;
    expect(
      serverBodySchema(parseVersion('2.75')!).safeParse({ ...rest, 'OS-EXT-SRV-ATTR:user_data': null }).success,
    ).toBe(true);
  });
});

describe('rebuild changing the record', () => {
  it('stores the new name, metadata, description, access IPs, key pair and user data, and shows them at once', async () => {
    const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB ops@host';
    const pair = await api.post('/v2.1/os-keypairs', { keypair: { name: 'ops-key', public_key: publicKey } });
    expect(pair.status).toBe(200);
    const id = await activeServer('old-name');
    const reply = await rebuild(
      id,
      {
        imageRef: UBUNTU,
        name: 'new-name',
        metadata: { role: 'db', tier: 'gold' },
        description: 'rebuilt for the database',
        accessIPv4: '192.0.2.10',
        accessIPv6: '2001:db8::10',
        key_name: 'ops-key',
        'OS-DCF:diskConfig': 'AUTO',
        user_data: Buffer.from('#cloud-config\n').toString('base64'),
        preserve_ephemeral: false,
      },
      at('2.57'),
    );
    expect(reply.status).toBe(202);
    const expected = {
      name: 'new-name',
      metadata: { role: 'db', tier: 'gold' },
      description: 'rebuilt for the database',
      accessIPv4: '192.0.2.10',
      accessIPv6: '2001:db8::10',
      key_name: 'ops-key',
      'OS-DCF:diskConfig': 'AUTO',
      image: expect.objectContaining({ id: UBUNTU }),
    };
    expect(reply.body.server).toMatchObject({ ...expected, user_data: 'I2Nsb3VkLWNvbmZpZwo=' });
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect((await at('2.57').get(`/v2.1/servers/${id}`)).body.server).toMatchObject(expected);
    expect((await hv.getGuest(id))?.name).toBe('new-name');
    expect(server.name).toBe('new-name');
    const [stored] = await stack.sql`SELECT key_data, user_data FROM instances WHERE uuid = ${id}`;
    expect(stored).toEqual({ key_data: publicKey, user_data: 'I2Nsb3VkLWNvbmZpZwo=' });
    const unknownKey = await rebuild(id, { imageRef: UBUNTU, key_name: 'nope' }, at('2.57'));
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.badRequest.message).toBe('Invalid key_name provided.');

    // Absent fields stay; null clears the description and the key name; metadata is replaced as a whole.
    expect((await rebuild(id, { imageRef: UBUNTU, description: null, key_name: null }, at('2.57'))).status).toBe(202);
    const again = (await at('2.57').get(`/v2.1/servers/${id}`)).body.server;
    expect(again).toMatchObject({ name: 'new-name', metadata: { role: 'db', tier: 'gold' }, description: null });
    expect(again.key_name).toBeNull();
    await api.waitForStatus(id, 'ACTIVE');
    expect((await rebuild(id, { imageRef: UBUNTU, metadata: {} })).status).toBe(202);
    expect((await show(id)).metadata).toEqual({});
    await api.waitForStatus(id, 'ACTIVE');

    // The hostname stays what the create made of the first name, until a rebuild names one (2.90).
    const hostname = async () => (await at('2.90').get(`/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:hostname'];
    expect(await hostname()).toBe('old-name');
    expect((await rebuild(id, { imageRef: UBUNTU, hostname: 'db-primary' }, at('2.90'))).status).toBe(202);
    expect(await hostname()).toBe('db-primary');
    await api.waitForStatus(id, 'ACTIVE');
  });
});

describe('rebuild from SHUTOFF', () => {
  it('powers the new guest off again and ends SHUTOFF, recording the stop in the rebuild action', async () => {
    const id = await activeServer('stopped-one');
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(id, 'SHUTOFF');
    await hv.faults.set(HypervisorStep.Rebuild, SLOW);
    const reply = await rebuild(id, { imageRef: UBUNTU });
    expect(reply.status).toBe(202);
    expect(reply.body.server.status).toBe('REBUILD');

    const server = await api.waitForStatus(id, 'SHUTOFF');
    expect(server['OS-EXT-STS:vm_state']).toBe('stopped');
    expect(server['OS-EXT-STS:power_state']).toBe(4);
    expect(await hv.getGuest(id)).toMatchObject({ imageId: UBUNTU, powerState: 4 });
    expect(await hv.diskChecksum(id)).toBe(expectedDiskChecksum(UBUNTU));
    expect(await actionOf(id, reply)).toEqual({
      action: 'rebuild',
      message: null,
      events: [
        ['compute_rebuild_instance', 'Success', HOST],
        ['compute_stop_instance', 'Success', HOST],
        ['rebuild_server', 'Success', null],
      ],
    });
  });
});

describe('rebuild failures', () => {
  let id: string;
  let oldDisk: string;

  beforeAll(async () => {
    id = await activeServer('fragile');
    oldDisk = (await hv.guestWrite(id, 0, Buffer.from('data that must survive a failed rebuild'))).diskChecksum;
  });

  it('puts the server in ERROR with its fault when the rebuild step fails, the old disk intact', async () => {
    await hv.faults.set(HypervisorStep.Rebuild, { mode: 'abort', times: 1 });
    const reply = await rebuild(id, { imageRef: UBUNTU });
    expect(reply.status).toBe(202);
    const server = await api.waitForStatus(id, 'ERROR');
    expect(server['OS-EXT-STS:vm_state']).toBe('error');
    expect(server.fault).toMatchObject({ code: 500, message: expect.stringContaining('failed step rebuild') });
    // Nova keeps the new image on the record; the disk was never swapped, so the server shows its image again.
    expect(server.image.id).toBe(CIRROS);
    expect(await hv.diskChecksum(id)).toBe(oldDisk);
    expect(await hv.getGuest(id)).toMatchObject({ imageId: CIRROS, diskChecksum: oldDisk, powerState: 1 });
    await expect(fs.stat(hv.rebuildDiskPath(id))).rejects.toMatchObject({ code: 'ENOENT' });
    const action = await actionOf(id, reply);
    expect(action).toMatchObject({ action: 'rebuild', message: 'Error' });
    expect(action.events).toContainEqual(['compute_rebuild_instance', 'Error', HOST]);
  });

  it('rebuilds from ERROR to ACTIVE, and the fault is gone', async () => {
    const reply = await rebuild(id, { imageRef: UBUNTU });
    expect(reply.status).toBe(202);
    expect(reply.body.server.status).toBe('REBUILD');
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server).not.toHaveProperty('fault');
    expect(await hv.diskChecksum(id)).toBe(expectedDiskChecksum(UBUNTU));
  });

  it('puts the server in ERROR when the stored bytes of the image are missing, the old disk intact', async () => {
    const before = await hv.diskChecksum(id);
    const image = await insertImage({ status: 'active', storeSha256: 'c'.repeat(64) });
    expect((await rebuild(id, { imageRef: image })).status).toBe(202);
    const server = await api.waitForStatus(id, 'ERROR');
    expect(server.fault.message).toContain('no image data');
    expect(await hv.diskChecksum(id)).toBe(before);
    expect((await rebuild(id, { imageRef: UBUNTU })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
  });
});

describe('rebuild from stored image bytes', () => {
  it('gives the disk exactly the bytes of the image', async () => {
    const bytes = Buffer.concat([Buffer.from('snapshot of a configured system\n'), Buffer.alloc(300 * 1024, 0x5a)]);
    const stored = await stack.images.write(
      (async function* () {
        yield bytes;
      })(),
    );
    const image = await insertImage({ status: 'active', storeSha256: stored.sha256, sizeBytes: bytes.length });
    const id = await activeServer('from-snapshot', '1');
    const reply = await rebuild(id, { imageRef: image });
    expect(reply.status).toBe(202);
    expect(reply.body.server.image.id).toBe(image);
    await api.waitForStatus(id, 'ACTIVE');
    expect(await hv.diskChecksum(id)).toBe(stored.sha256);
    expect((await fs.readFile(hv.diskPath(id))).equals(bytes)).toBe(true);
  });
});

describe('refusals', () => {
  let id: string;

  beforeAll(async () => {
    id = await activeServer('refuser', '1');
  });

  async function expectUntouched(): Promise<void> {
    const server = await show(id);
    expect([server.status, server['OS-EXT-STS:task_state'], server.image.id]).toEqual(['ACTIVE', null, CIRROS]);
  }

  it("answers 400 with Nova's message for an image that does not exist", async () => {
    const reply = await rebuild(id, { imageRef: randomUUID() });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ badRequest: { code: 400, message: 'Cannot find image for rebuild' } });
    await expectUntouched();
  });

  it('answers 400 for an image that is not active', async () => {
    const queued = await insertImage({ status: 'queued' });
    const reply = await rebuild(id, { imageRef: queued });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toBe(`Image ${queued} is not active.`);
    await expectUntouched();
  });

  it("answers 400 when the image's min_disk is more than the flavor's root disk", async () => {
    const reply = await rebuild(id, { imageRef: UBUNTU });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toBe(
      "Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is 1073741824 " +
        'bytes, minimum size is 3221225472 bytes.',
    );
    await expectUntouched();
  });

  it.each([
    ['no imageRef', {}, /imageRef/],
    ['an imageRef that is not a uuid', { imageRef: 'nope' }, /'nope' is not a 'uuid'/],
    ['an unknown field', { imageRef: CIRROS, colour: 'red' }, /\('colour' was unexpected\)/],
    ['a field from a later microversion', { imageRef: CIRROS, description: 'x' }, /\('description' was unexpected\)/],
    ['a bad accessIPv4', { imageRef: CIRROS, accessIPv4: '300.1.1.1' }, /accessIPv4/],
    ['a name with leading spaces', { imageRef: CIRROS, name: '  padded' }, /name/],
  ])('answers 400 for a body with %s', async (_what, body, message) => {
    const reply = await rebuild(id, body);
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toMatch(message);
    await expectUntouched();
  });

  it('answers 400 for a body that is not an object, and masks adminPass in messages', async () => {
    expect((await api.action(id, { rebuild: null })).status).toBe(400);
    const reply = await rebuild(id, { imageRef: CIRROS, adminPass: 'hunter2', extra: 1 });
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).not.toContain('hunter2');
  });

  it('takes user_data only from 2.57 and personality only before it', async () => {
    const userData = Buffer.from('hello').toString('base64');
    expect((await rebuild(id, { imageRef: CIRROS, user_data: userData }, at('2.56'))).status).toBe(400);
    expect((await rebuild(id, { imageRef: CIRROS, personality: [] }, at('2.57'))).status).toBe(400);
    expect((await rebuild(id, { imageRef: CIRROS, key_name: 'k' }, at('2.53'))).status).toBe(400);
    expect((await rebuild(id, { imageRef: CIRROS, hostname: 'h' }, at('2.89'))).status).toBe(400);
  });

  it('answers 404 for an unknown server', async () => {
    const missing = randomUUID();
    const reply = await rebuild(missing, { imageRef: CIRROS });
    expect(reply.status).toBe(404);
    expect(reply.body.itemNotFound.message).toBe(`Instance ${missing} could not be found.`);
  });

  it("refuses a paused, suspended or rescued server with 409 and Nova's message", async () => {
    for (const [action, status, vmState, back] of [
      ['pause', 'PAUSED', 'paused', 'unpause'],
      ['suspend', 'SUSPENDED', 'suspended', 'resume'],
      ['rescue', 'RESCUE', 'rescued', 'unrescue'],
    ] as const) {
      expect((await api.action(id, { [action]: null })).status).toBeLessThan(300);
      await api.waitForStatus(id, status);
      const reply = await rebuild(id, { imageRef: CIRROS });
      expect(reply.status).toBe(409);
      expect(reply.body).toEqual({
        conflictingRequest: {
          code: 409,
          message: `Cannot 'rebuild' instance ${id} while it is in vm_state ${vmState}`,
        },
      });
      expect((await api.action(id, { [back]: null })).status).toBe(202);
      await api.waitForStatus(id, 'ACTIVE');
    }
  });

  it('refuses a rebuild while another operation runs, and a second rebuild during the first', async () => {
    await hv.faults.set(HypervisorStep.PowerOff, SLOW);
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    const reply = await rebuild(id, { imageRef: CIRROS });
    expect(reply.status).toBe(409);
    expect(reply.body.conflictingRequest.message).toBe(
      `Cannot 'rebuild' instance ${id} while it is in task_state powering-off`,
    );
    await api.waitForStatus(id, 'SHUTOFF');

    await hv.faults.set(HypervisorStep.Rebuild, SLOW);
    expect((await rebuild(id, { imageRef: CIRROS })).status).toBe(202);
    const second = await rebuild(id, { imageRef: CIRROS });
    expect(second.status).toBe(409);
    expect(second.body.conflictingRequest.message).toMatch(
      new RegExp(`^Cannot 'rebuild' instance ${id} while it is in task_state rebuild`),
    );
    await api.waitForStatus(id, 'SHUTOFF');
  });
});

describe('delete during a rebuild', () => {
  it('cancels the rebuild, which cleans up after itself, then deletes the server and its disks', async () => {
    const id = await activeServer('doomed');
    await hv.faults.set(HypervisorStep.Rebuild, { mode: 'hang' });
    const reply = await rebuild(id, { imageRef: UBUNTU });
    expect(reply.status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'rebuild_spawning');

    expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await api.waitForGone(id);
    expect(await hv.getGuest(id)).toBeUndefined();
    expect(await hv.diskChecksum(id)).toBeUndefined();
    await expect(fs.stat(hv.rebuildDiskPath(id))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await actionOf(id, reply)).toMatchObject({ action: 'rebuild', message: 'Error' });
    expect(await stack.sql`SELECT 1 FROM allocations WHERE consumer_uuid = ${id}`).toEqual([]);
  });
});

describe('a compute host killed mid-rebuild', () => {
  it('finishes the rebuild after a restart with the new disk, never a half-written one', async () => {
    const id = await activeServer('survivor');
    await hv.faults.set(HypervisorStep.Rebuild, { mode: 'hang' });
    expect((await rebuild(id, { imageRef: UBUNTU })).status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'rebuild_spawning');
    const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id));
    await waitFor('the host to be running the rebuild step', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some(
        (a) =>
          a.activityType?.name === 'rebuild' &&
          a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      );
    });

    compute!.kill('SIGKILL');
    await new Promise((resolve) => compute!.once('exit', resolve));
    // What a crash in the middle of writing the new disk would leave beside the old one.
    const temp = hv.rebuildDiskPath(id);
    await fs.writeFile(`${temp}.partial`, Buffer.alloc(100_000, 0xee));
    await fs.writeFile(temp, Buffer.alloc(70_000, 0xdd));
    expect(await hv.diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    await hv.faults.clear();
    compute = startComputeProcess();

    const server = await api.waitForStatus(id, 'ACTIVE', 45_000);
    expect(server.image.id).toBe(UBUNTU);
    expect(await hv.diskChecksum(id)).toBe(expectedDiskChecksum(UBUNTU));
    expect(await hv.getGuest(id)).toMatchObject({ imageId: UBUNTU, diskChecksum: expectedDiskChecksum(UBUNTU) });
    await expect(fs.stat(temp)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(`${temp}.partial`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
