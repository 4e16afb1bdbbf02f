import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { softDeletePhaseQuery } from '../../workflows/soft-delete/messages';
import { expectNovaError, type ApiClient } from '../support/http';
import { actionOfReply } from '../support/instance-actions';
import { serverState } from '../support/server-state';
import { useTestStack } from '../support/use-test-stack';

// Nova's deferred delete: with reclaim_instance_interval set, DELETE soft-deletes a server that ran, `restore`
// brings it back and `forceDelete` (or the interval running out) deletes it for good.
const env = useTestStack({ hosts: [{ name: 'host-a' }] });

beforeEach(() => reclaimAfter(60_000));

afterEach(async () => {
  await env.stack.hypervisor('host-a').faults.clear();
  reclaimAfter(0);
});

/** NOVA_RECLAIM_INSTANCE_INTERVAL_S as the API reads it: each soft delete's run gets it in its input. */
function reclaimAfter(ms: number): void {
  env.stack.settings.reclaimInstanceIntervalMs = ms;
}

async function activeServer(name: string, client = env.api): Promise<string> {
  const id = await client.createServer({ name });
  await client.waitForStatus(id, 'ACTIVE');
  return id;
}

async function softDeleted(name: string, client = env.api): Promise<string> {
  const id = await activeServer(name, client);
  expect((await client.delete(`/v2.1/servers/${id}`)).status).toBe(204);
  await client.waitForStatus(id, 'SOFT_DELETED');
  return id;
}

const stateOf = (id: string) => serverState(env.api, id);

async function allocationCount(id: string): Promise<number> {
  const [row] = await env.stack.sql<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM allocations WHERE consumer_uuid = ${id}`;
  return row!.n;
}

async function actionNames(id: string): Promise<string[]> {
  const rows = await env.stack.sql<{ action: string }[]>`
    SELECT action FROM instance_actions WHERE instance_uuid = ${id} ORDER BY id`;
  return rows.map((r) => r.action);
}

const runOf = (id: string) => env.stack.client.workflow.getHandle(instanceWorkflowId(env.stack.prefix, id));

async function instancesUsed(client: ApiClient): Promise<number> {
  return (await client.get('/v2.1/limits')).body.limits.absolute.totalInstancesUsed;
}

describe('soft delete (reclaim_instance_interval set)', () => {
  it('powers the guest off and keeps it, its disk and its claim; the server shows SOFT_DELETED', async () => {
    const member = env.api.as('sd-user:sd-keep');
    const id = await activeServer('keep-me', member);
    expect(await instancesUsed(member)).toBe(1);
    const reply = await member.delete(`/v2.1/servers/${id}`);
    expect(reply.status).toBe(204);
    await member.waitForStatus(id, 'SOFT_DELETED');
    expect(await stateOf(id)).toEqual(['SOFT_DELETED', 'soft-delete', null, 4, 'host-a']);
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toMatchObject({ powerState: 4 });
    expect(await allocationCount(id)).toBe(1);
    // Left out of lists, as Nova does, unless an admin asks for deleted servers; no longer counted in the quota.
    expect((await member.get('/v2.1/servers/detail')).body.servers).toEqual([]);
    expect((await member.get('/v2.1/servers?deleted=true')).body.servers).toEqual([]);
    const deleted = (await env.api.get('/v2.1/servers/detail?all_tenants=1&deleted=true')).body.servers;
    expect(deleted.map((s: any) => [s.id, s.status])).toEqual([[id, 'SOFT_DELETED']]);
    const changed = (await member.get('/v2.1/servers?changes-since=2000-01-01T00:00:00Z')).body.servers;
    expect(changed.map((s: any) => s.id)).toEqual([id]);
    expect(await instancesUsed(member)).toBe(0);

    const action = await actionOfReply(env.api, id, reply);
    expect(action).toMatchObject({ action: 'delete', message: null });
    expect(action.events.map((e: any) => [e.event, e.result, e.host])).toEqual([
      ['compute_soft_delete_instance', 'Success', 'host-a'],
    ]);
    // Its run waits for the reclaim, where the Temporal UI shows it.
    const run = await runOf(id).describe();
    expect([run.type, run.status.name]).toEqual(['softDeleteServerWorkflow', 'RUNNING']);
    expect(await runOf(id).query(softDeletePhaseQuery)).toBe('waiting');
  });

  it('restores a soft-deleted server: ACTIVE and running again, as a restore action', async () => {
    const id = await softDeleted('restore-me');
    const reply = await env.api.action(id, { restore: null });
    expect(reply.status).toBe(202);
    expect(reply.body).toBeUndefined();
    await env.api.waitForStatus(id, 'ACTIVE');
    expect(await stateOf(id)).toEqual(['ACTIVE', 'active', null, 1, 'host-a']);
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toMatchObject({ powerState: 1 });
    const action = await actionOfReply(env.api, id, reply);
    expect(action).toMatchObject({ action: 'restore', message: null });
    expect(action.events.map((e: any) => [e.event, e.result])).toEqual([['compute_restore_instance', 'Success']]);
    // The soft delete's run took the restore and ended: the server takes operations again.
    await runOf(id).result();
    expect((await env.api.action(id, { 'os-stop': null })).status).toBe(202);
    await env.api.waitForStatus(id, 'SHUTOFF');
  });

  it('forceDelete deletes a soft-deleted server now: guest, claim and record gone', async () => {
    const id = await softDeleted('force-me');
    expect((await env.api.action(id, { forceDelete: null })).status).toBe(202);
    await env.api.waitForGone(id);
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    expect(await allocationCount(id)).toBe(0);
    expect(await actionNames(id)).toEqual(['create', 'delete', 'delete']);
  });

  it('reclaims a soft-deleted server when the interval runs out, as a delete action of its own', async () => {
    reclaimAfter(2_000);
    const id = await softDeleted('reclaim-me');
    await env.api.waitForGone(id, 30_000);
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    expect(await allocationCount(id)).toBe(0);
    expect(await actionNames(id)).toEqual(['create', 'delete', 'delete']);
    const [reclaimed] = await env.stack.sql<{ user_id: string; finish_time: Date | null }[]>`
      SELECT user_id, finish_time FROM instance_actions WHERE instance_uuid = ${id} ORDER BY id DESC LIMIT 1`;
    expect(reclaimed!.finish_time).not.toBeNull();
  });

  it('refuses a restore over the quota with 403, and the server is still reclaimed in time', async () => {
    const member = env.api.as('sd-user:sd-quota');
    const quota = { quota_set: { instances: 1 } };
    expect((await env.api.request('PUT', '/v2.1/os-quota-sets/sd-quota', quota)).status).toBe(200);
    reclaimAfter(6_000);
    const id = await softDeleted('over-quota', member);
    // The soft-deleted server does not count: another one fits, and then the first has no room to come back.
    await activeServer('took-its-place', member);
    const refused = await member.action(id, { restore: null });
    expect(refused.status).toBe(403);
    expect(refused.body.forbidden.message).toContain('Quota exceeded for instances');
    expect(await stateOf(id)).toEqual(['SOFT_DELETED', 'soft-delete', null, 4, 'host-a']);
    expect(await runOf(id).query(softDeletePhaseQuery)).toBe('waiting');
    await env.api.waitForGone(id, 30_000);
  });

  it('keeps the server soft-deleted when the restore fails on its host, and a second restore brings it back', async () => {
    const id = await softDeleted('restore-fails');
    await env.stack.hypervisor('host-a').faults.set(HypervisorStep.PowerOn, { mode: 'abort', times: 1 });
    const reply = await env.api.action(id, { restore: null });
    expect(reply.status).toBe(202);
    await env.api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect(await stateOf(id)).toEqual(['SOFT_DELETED', 'soft-delete', null, 4, 'host-a']);
    const action = await actionOfReply(env.api, id, reply);
    expect(action).toMatchObject({ action: 'restore', message: 'Error' });
    const [row] = await env.stack.sql<{ fault: { message: string } }[]>`SELECT fault FROM instances WHERE uuid = ${id}`;
    expect(row!.fault.message).toContain('powerOn');
    expect(await runOf(id).query(softDeletePhaseQuery)).toBe('waiting');
    expect((await env.api.action(id, { restore: null })).status).toBe(202);
    await env.api.waitForStatus(id, 'ACTIVE');
  });

  it('refuses restore for a server that is not soft-deleted, and forceDelete mid-operation, with 409', async () => {
    const id = await activeServer('not-deleted');
    expectNovaError(
      await env.api.action(id, { restore: null }),
      409,
      'conflictingRequest',
      `Cannot 'restore' instance ${id} while it is in vm_state active`,
    );
    await env.stack.hypervisor('host-a').faults.set(HypervisorStep.PowerOff, { mode: 'hang' });
    expect((await env.api.action(id, { 'os-stop': null })).status).toBe(202);
    await env.api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'powering-off');
    expectNovaError(
      await env.api.action(id, { forceDelete: null }),
      409,
      'conflictingRequest',
      `Cannot 'forceDelete' instance ${id} while it is in task_state powering-off`,
    );
    await env.stack.hypervisor('host-a').faults.clear();
    await env.api.waitForStatus(id, 'SHUTOFF');
    // forceDelete of a server that is not soft-deleted deletes it at once, never softly.
    expect((await env.api.action(id, { forceDelete: null })).status).toBe(202);
    await env.api.waitForGone(id);
  });

  it('deletes at once a server that never ran, and every server when the interval is 0', async () => {
    await env.stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'abort', times: 1 });
    const never = await env.api.createServer({ name: 'never-ran' });
    await env.api.waitForStatus(never, 'ERROR');
    expect((await env.api.delete(`/v2.1/servers/${never}`)).status).toBe(204);
    await env.api.waitForGone(never);

    reclaimAfter(0);
    const id = await activeServer('hard-delete');
    expect((await env.api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await env.api.waitForGone(id);
  });

  it('ends Canceled when an operator cancels the wait; the server stays SOFT_DELETED and still restores', async () => {
    const id = await softDeleted('cancelled-wait');
    await runOf(id).cancel();
    await expect(runOf(id).result()).rejects.toThrow();
    expect((await runOf(id).describe()).status.name).toBe('CANCELLED');
    expect(await stateOf(id)).toEqual(['SOFT_DELETED', 'soft-delete', null, 4, 'host-a']);
    // No run waits any more: restore runs on its own.
    expect((await env.api.action(id, { restore: null })).status).toBe(202);
    await env.api.waitForStatus(id, 'ACTIVE');
    expect((await runOf(id).describe()).type).toBe('restoreServerWorkflow');
  });

  it("soft-deletes without the server's host when it does not answer, and restores once it is back", async () => {
    const id = await activeServer('host-gone');
    await env.stack.stopHost('host-a');
    try {
      expect((await env.api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
      await env.api.waitForStatus(id, 'SOFT_DELETED', 30_000);
      // The record changes without the host (Nova would delete at once); the guest is left as it was there.
      expect(await stateOf(id)).toEqual(['SOFT_DELETED', 'soft-delete', null, 1, 'host-a']);
      expect(await allocationCount(id)).toBe(1);
    } finally {
      await env.stack.startHost({ name: 'host-a' });
    }
    expect((await env.api.action(id, { restore: null })).status).toBe(202);
    await env.api.waitForStatus(id, 'ACTIVE');
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toMatchObject({ powerState: 1 });
  }, 60_000);

  it('lets a member of the project restore, and keeps other projects out', async () => {
    const owner = env.api.as('sd-user:sd-own');
    const id = await softDeleted('owned', owner);
    const stranger = env.api.as('sd-other:sd-elsewhere');
    expect((await stranger.action(id, { restore: null })).status).toBe(404);
    expect((await stranger.action(id, { forceDelete: null })).status).toBe(404);
    expect((await owner.action(id, { restore: null })).status).toBe(202);
    await owner.waitForStatus(id, 'ACTIVE');
  });
});
