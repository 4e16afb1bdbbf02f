import { randomUUID } from 'node:crypto';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { Operations } from '../../api/operations';
import { stopServerWorkflow } from '../../workflows/stop-server';
import { ApiClient, expectNovaError, type Reply } from '../support/http';
import { serverTaskRun } from '../support/server-task-run';
import { startTestStack, type TestStack } from '../support/test-stack';

// Nova's server lock (`openstack server lock/unlock`): while locked, every action Nova guards with its lock check
// is a 409 for anyone but an admin, checked by the API and again at the operation's admission.
let stack: TestStack;
let member: ApiClient;
let admin: ApiClient;
let other: ApiClient;

const at = (client: ApiClient, version: string) =>
  client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
const lock = (client: ApiClient, id: string, value: unknown = null, version = '2.1') =>
  at(client, version).action(id, { lock: value });
const unlock = (client: ApiClient, id: string) => client.action(id, { unlock: null });

async function lockRecord(id: string) {
  const [row] = await stack.sql<{ locked: boolean; locked_by: string | null; locked_reason: string | null }[]>`
    SELECT locked, locked_by, locked_reason FROM instances WHERE uuid = ${id}`;
  return row!;
}

async function actionsOf(id: string): Promise<string[]> {
  const reply = await member.get(`/v2.1/servers/${id}/os-instance-actions`);
  return (reply.body.instanceActions as { action: string }[]).map((a) => a.action).reverse();
}

const isLocked = (reply: Reply, id: string) =>
  expectNovaError(reply, 409, 'conflictingRequest', `Instance ${id} is locked`);

async function activeServer(name: string): Promise<string> {
  const id = await member.createServer({ name });
  await member.waitForStatus(id, 'ACTIVE');
  return id;
}

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', memoryMb: 16384 },
      { name: 'host-b', memoryMb: 16384 },
    ],
  });
  member = new ApiClient(stack.baseUrl).as('demo:demo');
  admin = new ApiClient(stack.baseUrl).as('admin:admin');
  other = new ApiClient(stack.baseUrl).as('eve:elsewhere');
});

afterAll(async () => {
  await stack?.stop();
});

describe('the owner locks a server', () => {
  let server: string;

  beforeAll(async () => {
    server = await activeServer('locked-web');
  });

  it('answers 202; GET shows locked from 2.9 and the reason from 2.73', async () => {
    expect((await lock(member, server, { locked_reason: 'release freeze' }, '2.73')).status).toBe(202);
    expect(await lockRecord(server)).toEqual({ locked: true, locked_by: 'owner', locked_reason: 'release freeze' });
    const shown = (await at(member, '2.73').get(`/v2.1/servers/${server}`)).body.server;
    expect(shown).toMatchObject({ locked: true, locked_reason: 'release freeze', status: 'ACTIVE' });
    expect((await at(member, '2.9').get(`/v2.1/servers/${server}`)).body.server.locked).toBe(true);
    const listed = (await at(member, '2.73').get('/v2.1/servers/detail')).body.servers as Record<string, unknown>[];
    expect(listed.find((s) => s['id'] === server)).toMatchObject({ locked: true, locked_reason: 'release freeze' });
    const ids = async (query: string) =>
      ((await at(member, '2.73').get(`/v2.1/servers?${query}`)).body.servers as { id: string }[]).map((s) => s.id);
    expect(await ids('locked=true')).toEqual([server]);
    expect(await ids('locked=false')).not.toContain(server);
    expect((await at(member, '2.73').get('/v2.1/servers?locked=maybe')).status).toBe(400);
  });

  it("refuses the owner's actions, delete and metadata writes with Nova's 409, and changes nothing", async () => {
    isLocked(await member.action(server, { 'os-stop': null }), server);
    isLocked(await member.action(server, { reboot: { type: 'HARD' } }), server);
    isLocked(await member.action(server, { pause: null }), server);
    isLocked(await member.action(server, { shelve: null }), server);
    isLocked(await member.action(server, { resize: { flavorRef: '2' } }), server);
    isLocked(await member.delete(`/v2.1/servers/${server}`), server);
    isLocked(await member.post(`/v2.1/servers/${server}/metadata`, { metadata: { k: 'v' } }), server);
    const shown = (await member.get(`/v2.1/servers/${server}`)).body.server;
    expect(shown).toMatchObject({ status: 'ACTIVE', metadata: {}, 'OS-EXT-STS:task_state': null });
    expect(await actionsOf(server)).toEqual(['create', 'lock']);
  });

  it('still lets the owner rename and snapshot it, as Nova does', async () => {
    expect((await member.put(`/v2.1/servers/${server}`, { server: { name: 'renamed-locked' } })).status).toBe(200);
    const snap = await at(member, '2.45').action(server, { createImage: { name: 'locked-snap' } });
    expect(snap.status).toBe(202);
    await member.waitForServer(server, (s) => s['OS-EXT-STS:task_state'] === null);
    const image = await member.get(`/v2.1/images/${snap.body.image_id}`);
    expect(image.body.image.status).toBe('ACTIVE');
  });

  it('lets an admin act on it', async () => {
    expect((await admin.action(server, { 'os-stop': null })).status).toBe(202);
    await member.waitForStatus(server, 'SHUTOFF');
    expect((await admin.action(server, { 'os-start': null })).status).toBe(202);
    await member.waitForStatus(server, 'ACTIVE');
  });

  it('changes nothing and records nothing when the owner locks it again', async () => {
    const before = await actionsOf(server);
    expect((await lock(member, server, { locked_reason: 'another reason' }, '2.73')).status).toBe(202);
    expect(await lockRecord(server)).toMatchObject({ locked_by: 'owner', locked_reason: 'release freeze' });
    expect(await actionsOf(server)).toEqual(before);
  });

  it('records lock and unlock as instance actions, each with its finished api event', async () => {
    const reply = await unlock(member, server);
    expect(reply.status).toBe(202);
    const requestId = reply.headers.get('x-openstack-request-id')!;
    const shown = await admin.get(`/v2.1/servers/${server}/os-instance-actions/${requestId}`);
    expect(shown.body.instanceAction).toMatchObject({ action: 'unlock', request_id: requestId, user_id: 'demo' });
    expect(shown.body.instanceAction.events).toEqual([
      expect.objectContaining({ event: 'api_unlock', result: 'Success', finish_time: expect.any(String) }),
    ]);
    const actions = await actionsOf(server);
    expect(actions.slice(-1)).toEqual(['unlock']);
    expect(actions).toContain('lock');
  });

  it('lets the owner act again once unlocked, and shows no lock nor reason', async () => {
    expect(await lockRecord(server)).toEqual({ locked: false, locked_by: null, locked_reason: null });
    const shown = (await at(member, '2.73').get(`/v2.1/servers/${server}`)).body.server;
    expect(shown).toMatchObject({ locked: false, locked_reason: null });
    expect((await member.action(server, { 'os-stop': null })).status).toBe(202);
    await member.waitForStatus(server, 'SHUTOFF');
  });

  it('runs each as a workflow of its own, found by the instance and the operation', async () => {
    const locked = await lock(member, server);
    expect(locked.status).toBe(202);
    expect(await serverTaskRun(stack, server, 'lock', locked)).toEqual({
      type: 'lockServerWorkflow',
      status: 'COMPLETED',
      instanceId: server,
      operation: 'lock',
      summary: 'lock server renamed-locked, requested by demo',
    });
    const unlocked = await unlock(member, server);
    expect(await serverTaskRun(stack, server, 'unlock', unlocked)).toMatchObject({
      type: 'unlockServerWorkflow',
      operation: 'unlock',
    });
  });
});

describe("an admin's lock", () => {
  let server: string;

  beforeAll(async () => {
    server = await activeServer('admin-locked');
  });

  it('is held by admin; the owner cannot lift it (unlock_override) nor take it over', async () => {
    // Before 2.73 any body is taken and no reason kept.
    expect((await lock(admin, server, { locked_reason: 'ignored before 2.73' }, '2.72')).status).toBe(202);
    expect(await lockRecord(server)).toEqual({ locked: true, locked_by: 'admin', locked_reason: null });
    expectNovaError(
      await unlock(member, server),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.",
    );
    expect((await lock(member, server)).status).toBe(202);
    expect(await lockRecord(server)).toMatchObject({ locked: true, locked_by: 'admin' });
  });

  it('is lifted by an admin', async () => {
    expect((await unlock(admin, server)).status).toBe(202);
    expect(await lockRecord(server)).toEqual({ locked: false, locked_by: null, locked_reason: null });
  });

  it("is the owner's when the admin belongs to the server's project", async () => {
    const projectAdmin = new ApiClient(stack.baseUrl).as('admin:demo');
    expect((await lock(projectAdmin, server)).status).toBe(202);
    expect(await lockRecord(server)).toMatchObject({ locked: true, locked_by: 'owner' });
    expect((await unlock(member, server)).status).toBe(202);
  });

  it("takes over the owner's lock, keeping its reason", async () => {
    expect((await lock(member, server, { locked_reason: 'mine' }, '2.73')).status).toBe(202);
    expect((await lock(admin, server, null, '2.73')).status).toBe(202);
    expect(await lockRecord(server)).toEqual({ locked: true, locked_by: 'admin', locked_reason: 'mine' });
    expect((await unlock(admin, server)).status).toBe(202);
  });
});

describe('requests that do not lock', () => {
  let server: string;

  beforeAll(async () => {
    server = await activeServer('lock-inputs');
  });

  it.each([
    ['an empty reason', { locked_reason: '' }, 'locked_reason'],
    ['a reason of 256 characters', { locked_reason: 'r'.repeat(256) }, 'locked_reason'],
    ['an unknown field', { reason: 'x' }, 'lock'],
    ['a string', 'please', 'lock'],
  ])('refuses %s from 2.73 with a 400 naming the field', async (_what, value, field) => {
    const reply = await lock(member, server, value, '2.73');
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toMatch(new RegExp(`^Invalid input for field/attribute ${field}\\. Value: `));
    expect(await lockRecord(server)).toMatchObject({ locked: false });
  });

  it("answers 404 for another project's server and an unknown one", async () => {
    expect((await lock(other, server)).status).toBe(404);
    expect((await unlock(other, server)).status).toBe(404);
    expect((await lock(member, randomUUID())).status).toBe(404);
    expect(await lockRecord(server)).toMatchObject({ locked: false });
  });
});

describe('a lock beside operations', () => {
  it('leaves a running operation alone: the delete it refuses does not interrupt the pause', async () => {
    const id = await activeServer('pausing-locked');
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Pause, { mode: 'slow', delayMs: 3000, times: 1 });
    expect((await member.action(id, { pause: null })).status).toBe(202);
    expect((await lock(member, id)).status).toBe(202);
    isLocked(await member.delete(`/v2.1/servers/${id}`), id);
    const paused = await member.waitForStatus(id, 'PAUSED');
    expect(paused['OS-EXT-STS:task_state']).toBeNull();
    expect(await actionsOf(id)).toEqual(['create', 'pause', 'lock']);
  });

  it('is checked again at admission: an operation that passed the API before the lock is refused', async () => {
    const id = await activeServer('admission-locked');
    expect((await lock(member, id)).status).toBe(202);
    const operations = new Operations(stack.client, stack.settings);
    const start = (isAdmin: boolean) => {
      const ctx = { requestId: `req-${randomUUID()}`, userId: 'demo', projectId: 'demo', isAdmin };
      return operations.start({
        workflow: stopServerWorkflow,
        input: { instanceUuid: id, requester: { ...ctx }, settings: stack.settings },
        instanceUuid: id,
        operation: 'stop',
        ctx,
        summary: 'stop past the API',
        busyMessage: async () => 'busy',
      });
    };
    await expect(start(false)).rejects.toMatchObject({ status: 409, message: `Instance ${id} is locked` });
    expect((await member.get(`/v2.1/servers/${id}`)).body.server.status).toBe('ACTIVE');
    await start(true);
    await member.waitForStatus(id, 'SHUTOFF');
  });

  it('refuses the owner a decision on a resize, and lets an admin confirm it', async () => {
    const id = await activeServer('resized-then-locked');
    expect((await member.action(id, { resize: { flavorRef: '2' } })).status).toBe(202);
    await member.waitForStatus(id, 'VERIFY_RESIZE');
    expect((await lock(member, id)).status).toBe(202);
    isLocked(await member.action(id, { confirmResize: null }), id);
    isLocked(await member.action(id, { revertResize: null }), id);
    expect((await admin.action(id, { confirmResize: null })).status).toBe(204);
    const confirmed = await member.waitForStatus(id, 'ACTIVE');
    expect(confirmed.flavor.id).toBe('2');
  });

  it('does not hold back the offload that follows a shelve', async () => {
    const id = await activeServer('shelved-then-locked');
    stack.settings.shelvedOffloadTimeMs = 5_000;
    try {
      expect((await member.action(id, { shelve: null })).status).toBe(202);
      await member.waitForStatus(id, 'SHELVED');
      expect((await lock(member, id)).status).toBe(202);
      isLocked(await member.action(id, { unshelve: null }), id);
      await member.waitForStatus(id, 'SHELVED_OFFLOADED', 20_000);
      // The lock landed before the offload's admission, so the offload did pass it.
      expect(await actionsOf(id)).toEqual(['create', 'shelve', 'lock', 'shelveOffload']);
    } finally {
      stack.settings.shelvedOffloadTimeMs = 0;
    }
  });
});
