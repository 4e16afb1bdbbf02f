import { HypervisorStep } from '../../activities/compute/fault-switches';
import { serverMetadataSchema, serverMetaItemSchema } from '../../api/views/server-metadata-schema';
import { ApiClient, expectNovaError } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// /servers/{id}/metadata as Nova serves it: reads, merge (POST), replace (PUT), one item (PUT/DELETE), the
// metadata_items quota, 409 while another operation holds the server, and the metadata service sees each change.
let stack: TestStack;
let admin: ApiClient;
let member: ApiClient;
let other: ApiClient;
let server: string;

async function guestMeta(id: string): Promise<Record<string, string>> {
  const [row] = await stack.sql<{ host: string }[]>`SELECT host FROM instances WHERE uuid = ${id}`;
  const reply = await stack.metadataProxy(row!.host).get(id, '/openstack/latest/meta_data.json');
  return JSON.parse(reply.text()).meta;
}

beforeAll(async () => {
  // Too small for m1.xlarge: that create ends in ERROR without ever launching.
  stack = await startTestStack({ hosts: [{ name: 'host-a', memoryMb: 8192 }] });
  admin = new ApiClient(stack.baseUrl);
  member = new ApiClient(stack.baseUrl).as('demo:demo');
  other = new ApiClient(stack.baseUrl).as('eve:elsewhere');
  server = await member.createServer({ name: 'meta-vm', metadata: { role: 'web', tier: 'front' } });
  await member.waitForStatus(server, 'ACTIVE');
});

afterAll(async () => {
  await stack?.stop();
});

describe('reading', () => {
  it('lists the metadata given at create and shows one item', async () => {
    expect((await member.get(`/v2.1/servers/${server}/metadata`)).body).toEqual({
      metadata: { role: 'web', tier: 'front' },
    });
    expect((await member.get(`/v2.1/servers/${server}/metadata/role`)).body).toEqual({ meta: { role: 'web' } });
    expectNovaError(
      await member.get(`/v2.1/servers/${server}/metadata/nope`),
      404,
      'itemNotFound',
      'Metadata item was not found',
    );
  });

  it("hides another project's server behind a 404", async () => {
    expectNovaError(
      await other.get(`/v2.1/servers/${server}/metadata`),
      404,
      'itemNotFound',
      `Instance ${server} could not be found.`,
    );
    expect((await other.post(`/v2.1/servers/${server}/metadata`, { metadata: { a: 'b' } })).status).toBe(404);
  });
});

describe('writing', () => {
  it('merges with POST, replaces with PUT, sets and deletes one item; the guest sees every change', async () => {
    const merged = await member.post(`/v2.1/servers/${server}/metadata`, { metadata: { tier: 'back', env: 'prod' } });
    expect(merged.status).toBe(200);
    expect(merged.body).toEqual({ metadata: { role: 'web', tier: 'back', env: 'prod' } });
    expect(() => serverMetadataSchema.parse(merged.body)).not.toThrow();
    expect(await guestMeta(server)).toEqual({ role: 'web', tier: 'back', env: 'prod' });

    const item = await member.put(`/v2.1/servers/${server}/metadata/owner`, { meta: { owner: 'ops' } });
    expect(item.status).toBe(200);
    expect(item.body).toEqual({ meta: { owner: 'ops' } });
    expect(() => serverMetaItemSchema.parse(item.body)).not.toThrow();
    expect((await member.get(`/v2.1/servers/${server}`)).body.server.metadata).toEqual({
      role: 'web',
      tier: 'back',
      env: 'prod',
      owner: 'ops',
    });

    const deleted = await member.delete(`/v2.1/servers/${server}/metadata/env`);
    expect(deleted.status).toBe(204);
    expect(await guestMeta(server)).toEqual({ role: 'web', tier: 'back', owner: 'ops' });

    const replaced = await member.put(`/v2.1/servers/${server}/metadata`, { metadata: { only: 'this' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ metadata: { only: 'this' } });
    expect(await guestMeta(server)).toEqual({ only: 'this' });
    expectNovaError(
      await member.delete(`/v2.1/servers/${server}/metadata/env`),
      404,
      'itemNotFound',
      'Metadata item was not found',
    );
  });

  it('refuses bad bodies: a key not the URI one, two items, a long value, a bad key, no metadata', async () => {
    expectNovaError(
      await member.put(`/v2.1/servers/${server}/metadata/a`, { meta: { b: '1' } }),
      400,
      'badRequest',
      'Request body and URI mismatch',
    );
    const bad = [
      member.put(`/v2.1/servers/${server}/metadata/a`, { meta: { a: '1', b: '2' } }),
      member.post(`/v2.1/servers/${server}/metadata`, { metadata: { a: 'x'.repeat(256) } }),
      member.post(`/v2.1/servers/${server}/metadata`, { metadata: { 'a/b': '1' } }),
      member.post(`/v2.1/servers/${server}/metadata`, { metadata: { a: 1 } }),
      member.put(`/v2.1/servers/${server}/metadata`, { meta: { a: '1' } }),
    ];
    for (const reply of await Promise.all(bad)) expect(reply.status).toBe(400);
    expect((await member.get(`/v2.1/servers/${server}/metadata`)).body).toEqual({ metadata: { only: 'this' } });
  });

  it('keeps to the metadata_items quota with 403, counting the merged result', async () => {
    const quota = await admin.put('/v2.1/os-quota-sets/demo', { quota_set: { metadata_items: 3 } });
    expect(quota.status).toBe(200);
    expect((await member.post(`/v2.1/servers/${server}/metadata`, { metadata: { a: '1', b: '2' } })).status).toBe(200);
    expectNovaError(
      await member.post(`/v2.1/servers/${server}/metadata`, { metadata: { c: '3' } }),
      403,
      'forbidden',
      'Maximum number of metadata items exceeds 3',
    );
    // Replacing with three items fits: the count is of what the server would have.
    expect(
      (await member.put(`/v2.1/servers/${server}/metadata`, { metadata: { x: '1', y: '2', z: '3' } })).status,
    ).toBe(200);
    await admin.delete('/v2.1/os-quota-sets/demo');
  });
});

describe('state', () => {
  it("answers Nova's 409 while another operation holds the server, and writes again once it is done", async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Pause, { mode: 'slow', delayMs: 3000, times: 1 });
    expect((await member.action(server, { pause: null })).status).toBe(202);
    expectNovaError(
      await member.post(`/v2.1/servers/${server}/metadata`, { metadata: { a: 'b' } }),
      409,
      'conflictingRequest',
      `Cannot 'update metadata' instance ${server} while it is in task_state pausing`,
    );
    expect((await member.get(`/v2.1/servers/${server}/metadata/a`)).status).toBe(404);
    await member.waitForStatus(server, 'PAUSED');
    // PAUSED allows metadata writes, as in Nova.
    const item = await member.put(`/v2.1/servers/${server}/metadata/state`, { meta: { state: 'paused' } });
    expect(item.status).toBe(200);
    expect((await member.delete(`/v2.1/servers/${server}/metadata/state`)).status).toBe(204);
  });

  it('refuses a server that never launched (ERROR after no valid host)', async () => {
    const huge = await admin.createServer({ name: 'no-room', flavorRef: '5' });
    await admin.waitForStatus(huge, 'ERROR');
    expectNovaError(
      await admin.post(`/v2.1/servers/${huge}/metadata`, { metadata: { a: 'b' } }),
      409,
      'conflictingRequest',
      `Cannot 'update metadata' instance ${huge} while it is in vm_state error`,
    );
  });
});
