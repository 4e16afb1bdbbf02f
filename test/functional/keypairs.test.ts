import { ApiClient, CIRROS, expectNovaError } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// /os-keypairs as Nova serves it, and key pairs at boot: key_name is checked and the key copied onto the
// instance, so deleting the pair later leaves the server as it was.
let stack: TestStack;
let alice: ApiClient;

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB alice@laptop';
const FINGERPRINT = /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/;

function at(client: ApiClient, version: string): ApiClient {
  return client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  alice = new ApiClient(stack.baseUrl).as('alice:project-a');
});

afterAll(async () => {
  await stack?.stop();
});

describe('importing and reading key pairs', () => {
  it('imports a public key (201 from 2.2) and shows it with its fingerprint', async () => {
    const created = await at(alice, '2.2').post('/v2.1/os-keypairs', {
      keypair: { name: 'laptop', public_key: ED25519 },
    });
    expect(created.status).toBe(201);
    expect(created.body.keypair).toEqual({
      name: 'laptop',
      public_key: ED25519,
      fingerprint: expect.stringMatching(FINGERPRINT),
      user_id: 'alice',
      type: 'ssh',
    });
    expect(created.body.keypair.private_key).toBeUndefined();

    const shown = await at(alice, '2.2').get('/v2.1/os-keypairs/laptop');
    expect(shown.status).toBe(200);
    expect(shown.body.keypair).toMatchObject({
      name: 'laptop',
      fingerprint: created.body.keypair.fingerprint,
      user_id: 'alice',
      type: 'ssh',
      deleted: false,
      deleted_at: null,
    });
    const listed = await at(alice, '2.2').get('/v2.1/os-keypairs');
    expect(listed.body.keypairs).toContainEqual({
      keypair: { name: 'laptop', public_key: ED25519, fingerprint: created.body.keypair.fingerprint, type: 'ssh' },
    });
  });

  it('generates a pair when no key is given before 2.92, returning the private key once (200 before 2.2)', async () => {
    const created = await at(alice, '2.1').post('/v2.1/os-keypairs', { keypair: { name: 'generated' } });
    expect(created.status).toBe(200);
    expect(created.body.keypair.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(created.body.keypair.public_key).toMatch(/^ssh-rsa \S+ Generated-by-Nova$/);
    expect(created.body.keypair.type).toBeUndefined();
    const shown = await at(alice, '2.1').get('/v2.1/os-keypairs/generated');
    expect(shown.body.keypair.private_key).toBeUndefined();
  });

  it('requires a public key from 2.92', async () => {
    const reply = await at(alice, '2.92').post('/v2.1/os-keypairs', { keypair: { name: 'nokey' } });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toContain('public_key');
  });

  it('refuses a duplicate name (409), a bad key (400), a bad name (400) and unknown fields (400)', async () => {
    const v = at(alice, '2.2');
    expectNovaError(
      await v.post('/v2.1/os-keypairs', { keypair: { name: 'laptop', public_key: ED25519 } }),
      409,
      'conflictingRequest',
      "Key pair 'laptop' already exists.",
    );
    expectNovaError(
      await v.post('/v2.1/os-keypairs', { keypair: { name: 'bad', public_key: 'ssh-rsa not-a-key' } }),
      400,
      'badRequest',
      'Keypair data is invalid: failed to generate fingerprint',
    );
    const badName = await v.post('/v2.1/os-keypairs', { keypair: { name: 'semi;colon', public_key: ED25519 } });
    expect(badName.status).toBe(400);
    const extra = await v.post('/v2.1/os-keypairs', { keypair: { name: 'x', public_key: ED25519, color: 'red' } });
    expect(extra.status).toBe(400);
    expect(extra.body.badRequest.message).toContain("'color' was unexpected");
  });

  it("keeps each user's key pairs to that user, and lets an admin act for another user from 2.10", async () => {
    const bob = new ApiClient(stack.baseUrl).as('bob:project-a');
    expectNovaError(
      await bob.get('/v2.1/os-keypairs/laptop'),
      404,
      'itemNotFound',
      'Keypair laptop not found for user bob',
    );
    expect((await bob.get('/v2.1/os-keypairs')).body.keypairs).toEqual([]);
    const sneaky = await at(bob, '2.10').get('/v2.1/os-keypairs?user_id=alice');
    expectNovaError(sneaky, 403, 'forbidden', "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.");
    const admin = at(new ApiClient(stack.baseUrl).as('admin:admin'), '2.10');
    const forAlice = await admin.get('/v2.1/os-keypairs/laptop?user_id=alice');
    expect(forAlice.body.keypair.user_id).toBe('alice');
  });

  it('pages by name from 2.35 with a next link', async () => {
    const carol = at(new ApiClient(stack.baseUrl).as('carol:project-c'), '2.35');
    for (const name of ['k1', 'k2', 'k3']) {
      expect((await carol.post('/v2.1/os-keypairs', { keypair: { name, public_key: ED25519 } })).status).toBe(201);
    }
    const first = await carol.get('/v2.1/os-keypairs?limit=2');
    expect(first.body.keypairs.map((k: any) => k.keypair.name)).toEqual(['k1', 'k2']);
    expect(first.body.keypairs_links[0].href).toContain('marker=k2');
    const rest = await carol.get('/v2.1/os-keypairs?limit=2&marker=k2');
    expect(rest.body.keypairs.map((k: any) => k.keypair.name)).toEqual(['k3']);
    expect(rest.body.keypairs_links).toBeUndefined();
    expectNovaError(
      await carol.get('/v2.1/os-keypairs?marker=nope'),
      400,
      'badRequest',
      'Marker nope could not be found.',
    );
  });

  it('deletes (204 from 2.2, 202 before) and then no longer finds the pair', async () => {
    expect((await at(alice, '2.2').delete('/v2.1/os-keypairs/generated')).status).toBe(204);
    expectNovaError(
      await alice.delete('/v2.1/os-keypairs/generated'),
      404,
      'itemNotFound',
      'Keypair generated not found for user alice',
    );
    await at(alice, '2.1').post('/v2.1/os-keypairs', { keypair: { name: 'old', public_key: ED25519 } });
    expect((await at(alice, '2.1').delete('/v2.1/os-keypairs/old')).status).toBe(202);
  });
});

describe('key pairs at boot', () => {
  it('refuses a key_name the user does not have', async () => {
    const reply = await alice.post('/v2.1/servers', {
      server: {
        name: 'vm',
        flavorRef: '1',
        imageRef: CIRROS,
        networks: 'none',
        key_name: 'nope',
      },
    });
    expectNovaError(reply, 400, 'badRequest', 'Invalid key_name provided.');
  });

  it('copies the key onto the instance, which keeps it after the pair is deleted', async () => {
    await alice.post('/v2.1/os-keypairs', { keypair: { name: 'boot', public_key: ED25519 } });
    const id = await alice.createServer({
      key_name: 'boot',
      user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
    });
    const server = await alice.waitForStatus(id, 'ACTIVE');
    expect(server.key_name).toBe('boot');
    expect((await alice.delete('/v2.1/os-keypairs/boot')).status).toBe(202);
    const [row] = await stack.sql`SELECT key_name, key_data, user_data FROM instances WHERE uuid = ${id}`;
    expect(row).toEqual({
      key_name: 'boot',
      key_data: ED25519,
      user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
    });
    const admin = at(new ApiClient(stack.baseUrl).as('admin:admin'), '2.3');
    const shown = await admin.get(`/v2.1/servers/${id}`);
    expect(shown.body.server['OS-EXT-SRV-ATTR:user_data']).toBe(row!['user_data']);
  });
});
