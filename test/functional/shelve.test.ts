import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { endOffloadWaitUpdate, shelvedDecisionUpdate } from '../../workflows/shelve/messages';
import { ApiClient, type Reply } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { PRIMARY_AND_ALTERNATE } from '../support/host-pairs';

const HOSTS = PRIMARY_AND_ALTERNATE.map((h) => h.name);
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: PRIMARY_AND_ALTERNATE });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  for (const host of HOSTS) await stack.hypervisor(host).faults.clear();
});

/**
 * NOVA_SHELVED_OFFLOAD_TIME_S as the API would read it at start-up: each workflow gets the settings in its
 * input when the API starts it, so changing them between tests is like restarting the API with another value.
 */
function offloadAfter(ms: number): void {
  stack.settings.shelvedOffloadTimeMs = ms;
}

const at = (version: string) => api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

async function activeServer(name: string, client = api): Promise<string> {
  const id = await client.createServer({ name });
  await client.waitForStatus(id, 'ACTIVE');
  return id;
}

async function shelved(name: string, status: 'SHELVED' | 'SHELVED_OFFLOADED', client = api): Promise<string> {
  const id = await activeServer(name, client);
  expect((await client.action(id, { shelve: null })).status).toBe(202);
  await client.waitForStatus(id, status);
  return id;
}

async function digestsOf(file: string) {
  const bytes = await fs.readFile(file);
  const digest = (algo: string) => createHash(algo).update(bytes).digest('hex');
  return { size: bytes.length, md5: digest('md5'), sha256: digest('sha256'), sha512: digest('sha512') };
}

async function instanceRow(id: string): Promise<Record<string, any>> {
  const [row] = await stack.sql`SELECT * FROM instances WHERE uuid = ${id}`;
  return row!;
}

async function imageRow(id: string): Promise<Record<string, any> | undefined> {
  const [row] = await stack.sql`SELECT * FROM images WHERE id = ${id}`;
  return row;
}

async function allocationHosts(id: string): Promise<string[]> {
  const rows = await stack.sql<{ host: string }[]>`SELECT host FROM allocations WHERE consumer_uuid = ${id}`;
  return rows.map((r) => r.host);
}

async function actionNames(id: string): Promise<string[]> {
  const rows = await stack.sql`SELECT action FROM instance_actions WHERE instance_uuid = ${id} ORDER BY id`;
  return rows.map((r) => r['action'] as string);
}

async function actionOf(id: string, reply: Reply): Promise<any> {
  const requestId = reply.headers.get('x-openstack-request-id');
  return (await at('2.62').get(`/v2.1/servers/${id}/os-instance-actions/${requestId}`)).body.instanceAction;
}

const eventsOf = (action: any) =>
  (action.events as any[]).map((e) => [e.event, e.result, e.host ?? null]).sort((a, b) => (a[0] < b[0] ? -1 : 1));

function conflict(message: string) {
  return { conflictingRequest: { code: 409, message } };
}

describe('shelve, offloaded at once (shelved_offload_time 0, Nova default)', () => {
  let id: string;
  let disk: Awaited<ReturnType<typeof digestsOf>>;
  let imageId: string;

  beforeAll(() => offloadAfter(0));

  it('uploads the powered-off disk to <name>-shelved, then SHELVED_OFFLOADED with no host, claim or guest', async () => {
    id = await activeServer('traveller');
    const hv = stack.hypervisor('host-a');
    await hv.guestWrite(id, 70_000, Buffer.from('user data written before the shelve'));
    disk = await digestsOf(hv.diskPath(id));
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
    const reply = await api.action(id, { shelve: null });
    expect(reply.status).toBe(202);
    expect(reply.body).toBeUndefined();

    const during = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'shelving_image_uploading');
    expect([during.status, during['OS-EXT-STS:vm_state']]).toEqual(['ACTIVE', 'active']);
    expect((await hv.getGuest(id))?.powerState).toBe(4);
    const [queued] = await stack.sql`SELECT id, status FROM images WHERE name = 'traveller-shelved'`;
    expect(queued?.['status']).toBe('saving');
    imageId = queued!['id'] as string;

    await hv.faults.clear();
    const server = await api.waitForStatus(id, 'SHELVED_OFFLOADED');
    expect(server['OS-EXT-STS:vm_state']).toBe('shelved_offloaded');
    expect(server['OS-EXT-STS:power_state']).toBe(4);
    expect(server['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(Object.keys(server).filter((key) => key.includes('shelve'))).toEqual([]);
    expect(await allocationHosts(id)).toEqual([]);
    expect(await hv.getGuest(id)).toBeUndefined();
    expect(await hv.diskChecksum(id)).toBeUndefined();
    expect(await imageRow(imageId)).toMatchObject({
      status: 'active',
      size_bytes: String(disk.size),
      checksum: disk.md5,
      os_hash_value: disk.sha512,
      store_sha256: disk.sha256,
      visibility: 'private',
      properties: expect.objectContaining({ instance_uuid: id, image_type: 'snapshot' }),
    });
    expect(await stack.images.has(disk.sha256)).toBe(true);
    expect(await instanceRow(id)).toMatchObject({
      shelved_at: expect.any(Date),
      shelved_image_id: imageId,
      shelved_host: 'host-a',
    });
    const action = await actionOf(id, reply);
    expect(action).toMatchObject({ action: 'shelve', message: null });
    expect(eventsOf(action)).toEqual([['compute_shelve_instance', 'Success', 'host-a']]);
    const listed = (await api.get('/v2.1/servers?status=SHELVED_OFFLOADED')).body.servers.map((s: any) => s.id);
    expect(listed).toContain(id);
  });

  it('unshelves onto the host asked for (2.91): spawning from the shelve image, the disk byte for byte', async () => {
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    const reply = await at('2.91').action(id, { unshelve: { host: 'host-b' } });
    expect(reply.status).toBe(202);
    const during = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');
    expect(during.status).toBe('SHELVED_OFFLOADED');
    expect(during['OS-EXT-SRV-ATTR:host']).toBe('host-b');

    await stack.hypervisor('host-b').faults.clear();
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect(await stack.hypervisor('host-b').diskChecksum(id)).toBe(disk.sha256);
    expect(await allocationHosts(id)).toEqual(['host-b']);
    expect((await imageRow(imageId))?.['status']).toBe('deleted');
    expect(await stack.images.has(disk.sha256)).toBe(false);
    expect(await instanceRow(id)).toMatchObject({ shelved_at: null, shelved_image_id: null, shelved_host: null });
    const action = await actionOf(id, reply);
    expect(action).toMatchObject({ action: 'unshelve', message: null });
    expect(eventsOf(action)).toEqual([
      ['compute_unshelve_instance', 'Success', 'host-b'],
      ['get_image_info', 'Success', null],
      ['schedule_instances', 'Success', null],
    ]);
  });

  it('moves an unshelve to the alternate host when the spawn fails on the first', async () => {
    const other = await shelved('alternate', 'SHELVED_OFFLOADED');
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    expect((await api.action(other, { unshelve: null })).status).toBe(202);
    const server = await api.waitForStatus(other, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    expect(await allocationHosts(other)).toEqual(['host-b']);
    expect(await stack.hypervisor('host-a').getGuest(other)).toBeUndefined();
  });

  it('keeps a server SHELVED_OFFLOADED with its image, and no host or claim, when no host can spawn it', async () => {
    const other = await shelved('homeless', 'SHELVED_OFFLOADED');
    const { shelved_image_id: image } = await instanceRow(other);
    for (const host of HOSTS) await stack.hypervisor(host).faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    const reply = await api.action(other, { unshelve: null });
    expect(reply.status).toBe(202);
    const server = await api.waitForServer(other, (s) => s['OS-EXT-STS:task_state'] === null);
    expect(server.status).toBe('SHELVED_OFFLOADED');
    expect(server['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(await allocationHosts(other)).toEqual([]);
    expect((await imageRow(image))?.['status']).toBe('active');
    expect((await instanceRow(other))['fault']).toMatchObject({ message: expect.stringContaining('Exceeded maximum') });
    expect((await actionOf(other, reply)).message).toBe('Error');
    for (const host of HOSTS) expect(await stack.hypervisor(host).getGuest(other)).toBeUndefined();

    for (const host of HOSTS) await stack.hypervisor(host).faults.clear();
    expect((await api.action(other, { unshelve: null })).status).toBe(202);
    await api.waitForStatus(other, 'ACTIVE'); // nothing was lost
  });

  it("puts a server whose shelve image is gone in ERROR with Nova's fault", async () => {
    const other = await shelved('imageless', 'SHELVED_OFFLOADED');
    const { shelved_image_id: image } = await instanceRow(other);
    await stack.sql`UPDATE images SET status = 'deleted' WHERE id = ${image}`;
    expect((await api.action(other, { unshelve: null })).status).toBe(202);
    const server = await api.waitForStatus(other, 'ERROR');
    expect(server.fault).toMatchObject({
      code: 404,
      message: `Unshelve attempted but the image ${image} cannot be found.`,
    });
    expect(server['OS-EXT-SRV-ATTR:host']).toBeNull();
  });

  it('deletes a SHELVED_OFFLOADED server with its shelve image and bytes', async () => {
    const other = await activeServer('gone-offloaded');
    await stack.hypervisor('host-a').guestWrite(other, 0, Buffer.from('only gone-offloaded has this'));
    expect((await api.action(other, { shelve: null })).status).toBe(202);
    await api.waitForStatus(other, 'SHELVED_OFFLOADED');
    const { shelved_image_id: image } = await instanceRow(other);
    const sha256 = (await imageRow(image))?.['store_sha256'] as string;
    expect((await api.delete(`/v2.1/servers/${other}`)).status).toBe(204);
    await api.waitForGone(other);
    expect((await imageRow(image))?.['status']).toBe('deleted');
    expect(await stack.images.has(sha256)).toBe(false);
    expect(await actionNames(other)).toEqual(['create', 'shelve', 'delete']);
  });
});

describe('conflicts and policy', () => {
  beforeAll(() => offloadAfter(-1));

  it("answers Nova's 409 for actions the shelve states do not allow", async () => {
    const id = await shelved('conflicted', 'SHELVED');
    expect((await api.action(id, { shelve: null })).body).toEqual(
      conflict(`Cannot 'shelve' instance ${id} while it is in vm_state shelved`),
    );
    expect((await api.action(id, { 'os-start': null })).body).toEqual(
      conflict(`Cannot 'start' instance ${id} while it is in vm_state shelved`),
    );
    expect((await api.action(id, { createImage: { name: 'x' } })).body).toEqual(
      conflict(`Cannot 'createImage' instance ${id} while it is in vm_state shelved`),
    );
    const active = await activeServer('not-shelved');
    expect((await api.action(active, { unshelve: null })).body).toEqual(
      conflict(`Cannot 'unshelve' instance ${active} while it is in vm_state active`),
    );
    expect((await api.action(active, { shelveOffload: null })).body).toEqual(
      conflict(`Cannot 'shelveOffload' instance ${active} while it is in vm_state active`),
    );
  });

  it('refuses a zone or a host for a server that is SHELVED rather than offloaded (409)', async () => {
    const id = await shelved('pinned-here', 'SHELVED');
    const message =
      `Specifying an availability zone or a host when unshelving server "${id}" with status "shelved" is not ` +
      'supported. The server status must be SHELVED_OFFLOADED.';
    expect((await at('2.77').action(id, { unshelve: { availability_zone: 'nova' } })).body).toEqual(conflict(message));
    expect((await at('2.91').action(id, { unshelve: { host: 'host-b' } })).body).toEqual(conflict(message));
    // Before 2.77 the zone is ignored, as Nova's schema-less body.
    expect((await at('2.76').action(id, { unshelve: { availability_zone: 'nova' } })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
  });

  it('checks the zone and host of an unshelve as Nova does: 400 unknown, 403 a host for non-admins', async () => {
    offloadAfter(0);
    const demo = api.as('demo:demo');
    const id = await shelved('placed', 'SHELVED_OFFLOADED', demo);
    const demo291 = demo.withHeaders({ 'OpenStack-API-Version': 'compute 2.91' });
    expect((await demo291.action(id, { unshelve: {} })).status).toBe(202); // {} is null from 2.91
    await demo.waitForStatus(id, 'ACTIVE');
    expect((await demo.action(id, { shelve: null })).status).toBe(202);
    await demo.waitForStatus(id, 'SHELVED_OFFLOADED');

    expect((await at('2.77').action(id, { unshelve: {} })).status).toBe(400);
    expect((await at('2.77').action(id, { unshelve: { availability_zone: 'mars' } })).body).toEqual({
      badRequest: { code: 400, message: 'The requested availability zone is not available' },
    });
    expect((await at('2.91').action(id, { unshelve: { host: 'host-z' } })).body).toEqual({
      badRequest: { code: 400, message: 'Compute host host-z could not be found.' },
    });
    expect((await demo291.action(id, { unshelve: { host: 'host-b' } })).body).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.",
      },
    });
    expect((await at('2.77').action(id, { unshelve: { availability_zone: 'nova' } })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
    expect((await instanceRow(id))['availability_zone']).toBe('nova'); // pinned from now on
  });

  it('lets only admins force an offload (403 for others, as Nova policy)', async () => {
    offloadAfter(-1);
    const demo = api.as('demo:demo');
    const id = await shelved('demo-shelved', 'SHELVED', demo);
    expect((await demo.action(id, { shelveOffload: null })).body).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-shelve:shelve_offload to be performed.",
      },
    });
    const reply = await api.action(id, { shelveOffload: null });
    expect(reply.status).toBe(202);
    await api.waitForStatus(id, 'SHELVED_OFFLOADED');
    expect(await allocationHosts(id)).toEqual([]);
    expect(eventsOf(await actionOf(id, reply))).toEqual([['compute_shelve_offload_instance', 'Success', 'host-a']]);
  });
});

describe('shelve, never offloaded (shelved_offload_time -1)', () => {
  beforeAll(() => offloadAfter(-1));

  it('stays SHELVED on its host, powered off with its claim, and unshelves in place (powering-on)', async () => {
    const id = await activeServer('stays');
    const hv = stack.hypervisor('host-a');
    const before = await hv.diskChecksum(id);
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    const server = await api.waitForStatus(id, 'SHELVED');
    expect([server['OS-EXT-STS:vm_state'], server['OS-EXT-STS:power_state']]).toEqual(['shelved', 4]);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    expect(await allocationHosts(id)).toEqual(['host-a']);
    expect((await hv.getGuest(id))?.powerState).toBe(4);
    const { shelved_image_id: image } = await instanceRow(id);
    expect((await imageRow(image))?.['store_sha256']).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await api.get(`/v2.1/servers/${id}`)).body.server.status).toBe('SHELVED');

    await hv.faults.set(HypervisorStep.PowerOn, { mode: 'slow', delayMs: 1500, times: 1 });
    const reply = await api.action(id, { unshelve: null });
    expect(reply.status).toBe(202);
    const during = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'powering-on');
    expect(during.status).toBe('SHELVED');
    const after = await api.waitForStatus(id, 'ACTIVE');
    expect([after['OS-EXT-SRV-ATTR:host'], after['OS-EXT-STS:power_state']]).toEqual(['host-a', 1]);
    expect(await hv.diskChecksum(id)).toBe(before);
    expect((await imageRow(image))?.['status']).toBe('deleted');
    expect(eventsOf(await actionOf(id, reply))).toEqual([['compute_start_instance', 'Success', 'host-a']]);
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'unshelve']);
  });

  it('shelves a paused server and brings it back ACTIVE, as Nova does', async () => {
    const id = await activeServer('was-paused');
    expect((await api.action(id, { pause: null })).status).toBe(202);
    await api.waitForStatus(id, 'PAUSED');
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    await api.waitForStatus(id, 'SHELVED');
    expect((await api.action(id, { unshelve: null })).status).toBe(202);
    expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-STS:power_state']).toBe(1);
  });

  it('restores a running guest and deletes the image when the upload fails, with the fault recorded', async () => {
    const id = await activeServer('upload-fails');
    const hv = stack.hypervisor('host-a');
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'abort', times: 1 });
    const reply = await api.action(id, { shelve: null });
    expect(reply.status).toBe(202);
    const server = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect([server.status, server['OS-EXT-STS:power_state']]).toEqual(['ACTIVE', 1]);
    expect((await hv.getGuest(id))?.powerState).toBe(1);
    expect(await allocationHosts(id)).toEqual(['host-a']);
    const [image] = await stack.sql`SELECT status FROM images WHERE name = 'upload-fails-shelved'`;
    expect(image?.['status']).toBe('deleted');
    expect((await instanceRow(id))['fault']).toMatchObject({ message: expect.stringContaining('step snapshot') });
    expect((await instanceRow(id))['shelved_image_id']).toBeNull();
    expect((await actionOf(id, reply)).message).toBe('Error');
  });

  it('keeps bytes another snapshot still holds when the shelve image of an unchanged disk goes', async () => {
    const id = await activeServer('twice-stored');
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(id, 'SHUTOFF');
    const snapshot = await at('2.45').action(id, { createImage: { name: 'kept' } });
    await api.waitForStatus(id, 'SHUTOFF');
    const sha256 = (await imageRow(snapshot.body.image_id as string))?.['store_sha256'] as string;
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    await api.waitForStatus(id, 'SHELVED');
    const { shelved_image_id: image } = await instanceRow(id);
    expect((await imageRow(image))?.['store_sha256']).toBe(sha256);
    expect((await api.action(id, { unshelve: null })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
    expect((await imageRow(image))?.['status']).toBe('deleted');
    expect(await stack.images.has(sha256)).toBe(true);
  });
});

describe('shelve with an offload window (shelved_offload_time 2 s)', () => {
  beforeAll(() => offloadAfter(2000));

  it('stays SHELVED with no task until the window runs out, then offloads as its own action', async () => {
    const id = await shelved('patient', 'SHELVED');
    const shelvedAt = Date.now();
    expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    const server = await api.waitForStatus(id, 'SHELVED_OFFLOADED', 15_000);
    expect(Date.now() - shelvedAt).toBeGreaterThanOrEqual(1000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(await allocationHosts(id)).toEqual([]);
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'shelveOffload']);
    const [offload] = await stack.sql`
      SELECT a.message, e.event, e.result FROM instance_actions a JOIN instance_action_events e ON e.action_id = a.id
      WHERE a.instance_uuid = ${id} AND a.action = 'shelveOffload'`;
    expect(offload).toEqual({ message: null, event: 'compute_shelve_offload_instance', result: 'Success' });
  });
});

describe('during a long offload window (60 s)', () => {
  beforeAll(() => offloadAfter(60_000));

  it('lets unshelve end the wait: ACTIVE in place, never offloaded, carried out by the waiting run', async () => {
    const id = await shelved('waiting-unshelve', 'SHELVED');
    const reply = await api.action(id, { unshelve: null });
    expect(reply.status).toBe(202);
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'unshelve']);
    expect(eventsOf(await actionOf(id, reply))).toEqual([['compute_start_instance', 'Success', 'host-a']]);
    const run = await stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id)).describe();
    expect({ type: run.type, status: run.status.name }).toEqual({ type: 'shelveServerWorkflow', status: 'COMPLETED' });
  });

  it('still takes the end of the wait that API processes before the decision update send', async () => {
    // What an unshelve sees when it reads SHELVED a moment before the run starts its timer.
    const id = await activeServer('racing');
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'shelving_image_uploading');
    const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id));
    const who = { requestId: 'req-racing', userId: 'admin', projectId: 'admin' };
    const ended = handle.executeUpdate(endOffloadWaitUpdate, { args: [who] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack.hypervisor('host-a').faults.clear();
    await ended;
    await handle.result();
    expect((await api.get(`/v2.1/servers/${id}`)).body.server.status).toBe('SHELVED');
    expect(await actionNames(id)).toEqual(['create', 'shelve']);
  });

  it('lets shelveOffload end the wait and offload now', async () => {
    const id = await shelved('waiting-offload', 'SHELVED');
    expect((await api.action(id, { shelveOffload: null })).status).toBe(202);
    await api.waitForStatus(id, 'SHELVED_OFFLOADED', 10_000);
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'shelveOffload']);
  });

  it('lets delete end the wait cleanly: guest, claim, image and bytes gone', async () => {
    const id = await activeServer('waiting-delete');
    const hv = stack.hypervisor('host-a');
    await hv.guestWrite(id, 100, Buffer.from('only waiting-delete has this'));
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    await api.waitForStatus(id, 'SHELVED');
    const { shelved_image_id: image } = await instanceRow(id);
    const sha256 = (await imageRow(image))?.['store_sha256'] as string;
    expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await api.waitForGone(id);
    expect(await hv.getGuest(id)).toBeUndefined();
    expect(await allocationHosts(id)).toEqual([]);
    expect((await imageRow(image))?.['status']).toBe('deleted');
    expect(await stack.images.has(sha256)).toBe(false);
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'delete']);
  });

  it('answers a second unshelve while the first is carried out with 409, and runs it once', async () => {
    const id = await shelved('waiting-twice', 'SHELVED');
    await stack.hypervisor('host-a').faults.set(HypervisorStep.PowerOn, { mode: 'slow', delayMs: 1500 });
    const first = await api.action(id, { unshelve: null });
    expect(first.status).toBe(202);
    const second = await api.action(id, { unshelve: null });
    expect(second.status).toBe(409);
    await api.waitForStatus(id, 'ACTIVE');
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'unshelve']);
  });

  it('admits one of two requests the waiting run gets at once, and refuses the other', async () => {
    const id = await shelved('waiting-pair', 'SHELVED');
    const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id));
    const ask = (requestId: string, next: 'unshelve' | 'shelveOffload') =>
      handle.executeUpdate(shelvedDecisionUpdate, {
        args: [{ requester: { requestId, userId: 'admin', projectId: 'admin', isAdmin: true }, next }],
      });
    const outcomes = await Promise.allSettled([
      ask('req-pair-unshelve', 'unshelve'),
      ask('req-pair-offload', 'shelveOffload'),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const unshelved = outcomes[0]!.status === 'fulfilled';
    await api.waitForStatus(id, unshelved ? 'ACTIVE' : 'SHELVED_OFFLOADED', 10_000);
    await handle.result();
    expect(await actionNames(id)).toEqual(['create', 'shelve', unshelved ? 'unshelve' : 'shelveOffload']);
  });

  it('lets a delete interrupt an unshelve the waiting run carries out, as it would a standalone one', async () => {
    const id = await shelved('waiting-then-deleted', 'SHELVED');
    await stack.hypervisor('host-a').faults.set(HypervisorStep.PowerOn, { mode: 'hang' });
    expect((await api.action(id, { unshelve: null })).status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'powering-on');
    const asked = Date.now();
    expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await api.waitForGone(id);
    expect(Date.now() - asked).toBeLessThan(20_000);
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    expect(await allocationHosts(id)).toEqual([]);
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'unshelve', 'delete']);
  });

  it('ends with no allocation left that no server or migration accounts for', async () => {
    const { allocation_audit: audit } = (await api.get('/v2.1/os-allocation-audit')).body;
    expect(audit.orphaned_allocations).toEqual([]);
    expect(audit.missing_allocations).toEqual([]);
  });
});

describe('a request refused or failing during the offload window (6 s)', () => {
  beforeAll(() => offloadAfter(6000));

  it('keeps the offload timer when the conductor refuses an unshelve (a lock that landed after the API checked)', async () => {
    const member = api.as('shelf-user:shelf-project');
    const id = await shelved('refused-unshelve', 'SHELVED', member);
    expect((await api.action(id, { lock: null })).status).toBe(202);
    // What the waiting run is asked by an unshelve the API let through a moment before the admin's lock landed.
    const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id));
    const requester = { requestId: 'req-refused-unshelve', userId: 'shelf-user', projectId: 'shelf-project' };
    await expect(
      handle.executeUpdate(shelvedDecisionUpdate, {
        args: [{ requester: { ...requester, isAdmin: false }, next: 'unshelve' }],
      }),
    ).rejects.toMatchObject({ cause: { message: `Instance ${id} is locked` } });
    expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-STS:task_state']).toBeNull();
    // Nobody is left with a SHELVED server that never offloads: the run's timer still runs out.
    const server = await api.waitForStatus(id, 'SHELVED_OFFLOADED', 15_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'lock', 'shelveOffload']);
  });

  it('keeps a server whose unshelve fails SHELVED with the fault, and still offloads it in time', async () => {
    const id = await shelved('failing-unshelve', 'SHELVED');
    await stack.hypervisor('host-a').faults.set(HypervisorStep.PowerOn, { mode: 'abort' });
    const reply = await api.action(id, { unshelve: null });
    expect(reply.status).toBe(202);
    for (let i = 0; i < 50 && (await actionOf(id, reply)).message !== 'Error'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await actionOf(id, reply)).toMatchObject({ action: 'unshelve', message: 'Error' });
    const server = (await api.get(`/v2.1/servers/${id}`)).body.server;
    expect([server.status, server['OS-EXT-STS:task_state'], server['OS-EXT-SRV-ATTR:host']]).toEqual([
      'SHELVED',
      null,
      'host-a',
    ]);
    await stack.hypervisor('host-a').faults.clear();
    await api.waitForStatus(id, 'SHELVED_OFFLOADED', 15_000);
    expect(await actionNames(id)).toEqual(['create', 'shelve', 'unshelve', 'shelveOffload']);
  });
});
