import { HypervisorStep } from '../../activities/compute/fault-switches';
import type { MetadataResponse } from '../../activities/compute/metadata-proxy';
import { expectNovaError, type ApiClient } from '../support/http';
import { decryptServerPassword } from '../support/server-password';
import { useTestStack } from '../support/use-test-stack';

// os-server-password: the admin password a guest posts to the metadata service (cloudbase-init does, encrypted
// with the server's key), or changePassword stores encrypted with the server's ssh-rsa key. `nova get-password`
// reads it, `openstack server set --no-password` clears it.
const env = useTestStack({ hosts: [{ name: 'host-a' }] });
const PASSWORD_FILE = '/openstack/latest/password';
/** What cloudbase-init posts: its generated password, RSA-encrypted with the server's key and base64. */
const POSTED = Buffer.alloc(256, 7).toString('base64');

afterEach(async () => {
  await env.stack.hypervisor('host-a').faults.clear();
});

async function activeServer(name: string, client: ApiClient, fields: Record<string, unknown> = {}): Promise<string> {
  const id = await client.createServer({ name, ...fields });
  await client.waitForStatus(id, 'ACTIVE');
  return id;
}

const guestPost = (id: string, body: string | Buffer, path = PASSWORD_FILE) =>
  env.stack.metadataProxy('host-a').post(id, path, body);
const guestRead = async (id: string, path = PASSWORD_FILE) => {
  const reply = await env.stack.metadataProxy('host-a').get(id, path);
  expect(reply.status).toBe(200);
  return reply.text();
};

async function storedPassword(id: string, client: ApiClient): Promise<string> {
  const reply = await client.get(`/v2.1/servers/${id}/os-server-password`);
  expect(reply.status).toBe(200);
  expect(Object.keys(reply.body)).toEqual(['password']);
  return reply.body.password as string;
}

function expectRefusal(reply: MetadataResponse, status: number, title: string, explanation: string): void {
  expect({ status: reply.status, body: reply.text() }).toEqual({
    status,
    body: `${status} ${title}\n\n${explanation}\n\n   `,
  });
}

/** The runs of one workflow type for a server, as an operator finds them in the Web UI (visibility lags). */
async function runsOf(
  id: string,
  type: string,
  count: number,
  patienceMs = 10_000,
): Promise<{ workflowId: string; status: string }[]> {
  const query = `InstanceId = '${id}' AND WorkflowType = '${type}'`;
  for (let attempt = 0; ; attempt++) {
    const runs: { workflowId: string; status: string }[] = [];
    for await (const wf of env.stack.client.workflow.list({ query })) {
      runs.push({ workflowId: wf.workflowId, status: wf.status.name });
    }
    if (runs.length >= count || attempt * 200 >= patienceMs) return runs;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a guest posting its password', () => {
  it('is stored once, shown by the API and the metadata service, cleared, then may be posted again', async () => {
    const member = env.api.as('pw-user:pw-project');
    const id = await activeServer('pw-guest', member);
    expect(await storedPassword(id, member)).toBe('');

    const posted = await guestPost(id, POSTED);
    expect({ status: posted.status, body: posted.text() }).toEqual({ status: 200, body: '' });
    expect(await storedPassword(id, member)).toBe(POSTED);
    expect(await guestRead(id)).toBe(POSTED);
    expect(await guestRead(id, '/openstack/2013-04-04/password')).toBe(POSTED);

    // A second post never replaces the first: the guest that generated it is the only one that knows it.
    expectRefusal(
      await guestPost(id, 'another'),
      409,
      'Conflict',
      'There was a conflict when trying to complete your request.',
    );
    expect(await storedPassword(id, member)).toBe(POSTED);

    const cleared = await member.delete(`/v2.1/servers/${id}/os-server-password`);
    expect(cleared.status).toBe(204);
    expect(cleared.body).toBeUndefined();
    expect(await storedPassword(id, member)).toBe('');
    expect(await guestRead(id)).toBe('');

    expect((await guestPost(id, 'second')).status).toBe(200);
    expect(await storedPassword(id, member)).toBe('second');

    // Each write is a run of its own beside the server's operations, found by the server in the Web UI. The
    // refused post started none: the stored password already answered it.
    const posts = await runsOf(id, 'postServerPasswordWorkflow', 2);
    expect(posts.map((run) => run.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(posts.every((run) => run.workflowId.startsWith(`${env.stack.prefix}instance-${id}-password-req-`))).toBe(
      true,
    );
    const clears = await runsOf(id, 'clearServerPasswordWorkflow', 1);
    expect(clears.map((run) => run.status)).toEqual(['COMPLETED']);
  });

  it('lets only the first of two simultaneous posts in, where Nova would let the later one overwrite it', async () => {
    const id = await activeServer('pw-race', env.api);
    const replies = await Promise.all([guestPost(id, 'first'), guestPost(id, 'second')]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
    const winner = replies[0]!.status === 200 ? 'first' : 'second';
    expect(await storedPassword(id, env.api)).toBe(winner);
  });

  it('stores nothing for an empty post, and starts no run for it', async () => {
    const id = await activeServer('pw-empty', env.api);
    const before = (await env.api.get(`/v2.1/servers/${id}`)).body.server.updated;
    const empty = await guestPost(id, '');
    expect({ status: empty.status, body: empty.text() }).toEqual({ status: 200, body: '' });
    expect(await storedPassword(id, env.api)).toBe('');
    expect((await env.api.get(`/v2.1/servers/${id}`)).body.server.updated).toBe(before);
    expect(await runsOf(id, 'postServerPasswordWorkflow', 1, 2000)).toEqual([]);
    expect((await guestPost(id, POSTED)).status).toBe(200);
  });

  it("leaves no copy in later operations' histories, so a cleared password is gone from them", async () => {
    const id = await activeServer('pw-copies', env.api);
    expect((await guestPost(id, POSTED)).status).toBe(200);
    expect((await env.api.action(id, { 'os-stop': null })).status).toBe(202);
    await env.api.waitForStatus(id, 'SHUTOFF');
    const handle = env.stack.client.workflow.getHandle(`${env.stack.prefix}instance-${id}`);
    expect((await handle.describe()).type).toBe('stopServerWorkflow');
    const decoded = [...JSON.stringify(await handle.fetchHistory()).matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)]
      .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
      .join('\n');
    expect(decoded).toContain(`"uuid":"${id}"`);
    expect(decoded).not.toContain(POSTED);
    expect(decoded).not.toContain('server_password');
  });

  it('refuses what Nova refuses: over 1,020 bytes, not text, other files, unsigned', async () => {
    const id = await activeServer('pw-limits', env.api);
    expectRefusal(await guestPost(id, 'x'.repeat(1021)), 400, 'Bad Request', 'Request is too large.');
    expectRefusal(
      await guestPost(id, Buffer.from([0x61, 0xff, 0xfe])),
      400,
      'Bad Request',
      'The password must be UTF-8 text.',
    );
    expect(await storedPassword(id, env.api)).toBe('');

    const atLimit = 'y'.repeat(1020);
    expect((await guestPost(id, atLimit)).status).toBe(200);
    expect(await storedPassword(id, env.api)).toBe(atLimit);

    // Only the password file takes a POST, and only from the version that added it (a 404 before, as a GET).
    for (const path of ['/openstack/2012-08-10/password', '/openstack/v1/password']) {
      expectRefusal(await guestPost(id, 'z', path), 404, 'Not Found', 'The resource could not be found.');
    }
    for (const path of ['/openstack/latest/meta_data.json', '/latest/meta-data']) {
      expectRefusal(
        await guestPost(id, 'z', path),
        405,
        'Method Not Allowed',
        'The method POST is not allowed for this resource.',
      );
    }
    const unsigned = await fetch(`${env.stack.metadataUrl}${PASSWORD_FILE}`, {
      method: 'POST',
      headers: { 'X-Instance-ID': id, 'X-Tenant-ID': 'admin' },
      body: 'forged',
    });
    expect(unsigned.status).toBe(403);
    expect(await storedPassword(id, env.api)).toBe(atLimit);
  });
});

describe('changePassword', () => {
  it("stores the new password encrypted with the server's ssh-rsa key, which its private key opens", async () => {
    const member = env.api.as('pw-user:pw-project');
    const generated = await member
      .withHeaders({ 'X-OpenStack-Nova-API-Version': '2.1' })
      .post('/v2.1/os-keypairs', { keypair: { name: 'pw-rsa' } });
    expect(generated.status).toBe(200);
    const privateKey = generated.body.keypair.private_key as string;
    const id = await activeServer('pw-rsa', member, { key_name: 'pw-rsa' });

    expect((await member.action(id, { changePassword: { adminPass: 'new secret 1' } })).status).toBe(202);
    const stored = await storedPassword(id, member);
    expect(decryptServerPassword(privateKey, stored)).toBe('new secret 1');
    expect(await guestRead(id)).toBe(stored);

    // A guest's post after it is refused: the stored password is the one just set.
    expect((await guestPost(id, POSTED)).status).toBe(409);
    expect((await member.action(id, { changePassword: { adminPass: 'new secret 2' } })).status).toBe(202);
    expect(decryptServerPassword(privateKey, await storedPassword(id, member))).toBe('new secret 2');
  });

  it('forgets a stored password when the server has no ssh-rsa key to encrypt the new one with', async () => {
    const id = await activeServer('pw-no-key', env.api);
    expect((await guestPost(id, POSTED)).status).toBe(200);
    expect((await env.api.action(id, { changePassword: { adminPass: 'unencryptable' } })).status).toBe(202);
    expect(await storedPassword(id, env.api)).toBe('');
  });

  it('fails before the guest changes anything when the password is longer than the key holds', async () => {
    const member = env.api.as('pw-user:pw-project');
    const generated = await member
      .withHeaders({ 'X-OpenStack-Nova-API-Version': '2.1' })
      .post('/v2.1/os-keypairs', { keypair: { name: 'pw-rsa-long' } });
    const id = await activeServer('pw-rsa-long', member, { key_name: 'pw-rsa-long' });
    expect((await member.action(id, { changePassword: { adminPass: 'short one' } })).status).toBe(202);
    const before = await storedPassword(id, member);

    expectNovaError(
      await member.action(id, { changePassword: { adminPass: 'p'.repeat(300) } }),
      409,
      'conflictingRequest',
      `Failed to set admin password on ${id} because error setting admin password`,
    );
    expect(await storedPassword(id, member)).toBe(before);
    expect(decryptServerPassword(generated.body.keypair.private_key as string, before)).toBe('short one');
    expect((await member.get(`/v2.1/servers/${id}`)).body.server.status).toBe('ACTIVE');
  });
});

describe('GET and DELETE /servers/{id}/os-server-password', () => {
  it('work in any state, beside an operation that holds the server', async () => {
    const id = await activeServer('pw-busy', env.api);
    await env.stack.hypervisor('host-a').faults.set(HypervisorStep.PowerOff, { mode: 'hang' });
    expect((await env.api.action(id, { 'os-stop': null })).status).toBe(202);
    await env.api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'powering-off');

    expect((await guestPost(id, POSTED)).status).toBe(200);
    expect(await storedPassword(id, env.api)).toBe(POSTED);
    expect((await env.api.delete(`/v2.1/servers/${id}/os-server-password`)).status).toBe(204);
    expect(await storedPassword(id, env.api)).toBe('');

    await env.stack.hypervisor('host-a').faults.clear();
    await env.api.waitForStatus(id, 'SHUTOFF');
  });

  it("hide another project's server, and an unknown one, as 404", async () => {
    const id = await activeServer('pw-private', env.api.as('pw-user:pw-project'));
    const other = env.api.as('pw-other:pw-elsewhere');
    for (const path of [`/v2.1/servers/${id}/os-server-password`, '/v2.1/servers/not-a-uuid/os-server-password']) {
      const name = path.split('/')[3];
      expectNovaError(await other.get(path), 404, 'itemNotFound', `Instance ${name} could not be found.`);
      expectNovaError(await other.delete(path), 404, 'itemNotFound', `Instance ${name} could not be found.`);
    }
  });
});
