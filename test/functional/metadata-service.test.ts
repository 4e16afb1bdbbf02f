import type { MetadataProxy, MetadataResponse } from '../../activities/compute/metadata-proxy';
import { signInstanceId } from '../../domain/metadata-signature';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// The metadata service (nova-api-metadata) as a guest reads it: through its host's proxy, which signs the
// instance id with the shared secret. Requests without a valid signature get 403; a signature never reads
// another instance; another project's id or a deleted instance is a 404.
const HOSTS = ['host-a', 'host-b'];
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB alice@laptop';
/** Binary user data (a gzip header, a NUL, bytes that are not UTF-8): served back byte for byte. */
const USER_DATA = Buffer.concat([
  Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00]),
  Buffer.from('#cloud-config\npackages: [nginx]\n'),
]);
const LATEST_FILES = ['meta_data.json', 'user_data', 'password', 'vendor_data.json', 'network_data.json'];

let stack: TestStack;
let alice: ApiClient;
/** A server with user data, a key pair and metadata; a bare one; both in project-a. */
let webId: string;
let bareId: string;
let web: { seq: string; reservation_id: string };

beforeAll(async () => {
  stack = await startTestStack({ hosts: HOSTS.map((name) => ({ name })) });
  alice = new ApiClient(stack.baseUrl).as('alice:project-a');
  const key = await alice.post('/v2.1/os-keypairs', { keypair: { name: 'laptop', public_key: ED25519 } });
  expect(key.status).toBe(200);
  webId = await alice.createServer({
    name: 'Web 1',
    key_name: 'laptop',
    user_data: USER_DATA.toString('base64'),
    metadata: { role: 'web', tier: 'front' },
  });
  bareId = await alice.createServer({ name: 'bare' });
  await alice.waitForStatus(webId, 'ACTIVE');
  await alice.waitForStatus(bareId, 'ACTIVE');
  const [row] = await stack.sql<{ seq: string; reservation_id: string }[]>`
    SELECT seq::text, reservation_id FROM instances WHERE uuid = ${webId}`;
  web = row!;
});

afterAll(async () => {
  await stack?.stop();
});

/** The proxy of the host the instance is on now: the only one that can speak for its guest. */
async function proxyFor(id: string): Promise<MetadataProxy> {
  const [row] = await stack.sql<{ host: string }[]>`SELECT host FROM instances WHERE uuid = ${id}`;
  return stack.metadataProxy(row!.host);
}

const get = async (id: string, path: string) => (await proxyFor(id)).get(id, path);
const signedHeaders = async (id: string) => (await proxyFor(id)).signedHeaders(id);

function expectText(reply: MetadataResponse, text: string): void {
  expect({ status: reply.status, body: reply.text() }).toEqual({ status: 200, body: text });
  expect(reply.contentType).toMatch(/^text\/plain/);
}

async function json(id: string, path: string): Promise<Record<string, unknown>> {
  const reply = await get(id, path);
  expect(reply.status).toBe(200);
  expect(reply.contentType).toMatch(/^application\/json/);
  return JSON.parse(reply.text()) as Record<string, unknown>;
}

/** A request straight to the service with the given headers: what a forger without the secret can send. */
async function raw(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(`${stack.metadataUrl}${path}`, { headers });
  return { status: res.status, body: await res.text() };
}

describe('the OpenStack tree', () => {
  it('lists the dated versions and latest as text, and each version its files', async () => {
    expectText(
      await get(webId, '/openstack'),
      '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\n' +
        '2020-10-14\nlatest',
    );
    expectText(await get(webId, '/openstack/latest/'), [...LATEST_FILES, 'vendor_data2.json'].join('\n'));
    expectText(await get(webId, '/openstack/2015-10-15'), LATEST_FILES.join('\n'));
    expectText(await get(webId, '/openstack/2012-08-10/'), 'meta_data.json\nuser_data');
    expectText(await get(bareId, '/openstack/2012-08-10/'), 'meta_data.json');
  });

  it("serves meta_data.json at latest with the server's identity, zone, project, metadata and key", async () => {
    const md = await json(webId, '/openstack/latest/meta_data.json');
    expect(md).toEqual({
      uuid: webId,
      meta: { role: 'web', tier: 'front' },
      public_keys: { laptop: ED25519 },
      keys: [{ name: 'laptop', type: 'ssh', data: ED25519 }],
      hostname: 'web-1.novalocal',
      name: 'Web 1',
      launch_index: 0,
      availability_zone: 'nova',
      random_seed: expect.any(String),
      project_id: 'project-a',
      devices: [],
      dedicated_cpus: [],
    });
    expect(Buffer.from(md['random_seed'] as string, 'base64')).toHaveLength(512);
    const again = await json(webId, '/openstack/latest/meta_data.json');
    expect(again['random_seed']).not.toBe(md['random_seed']);
  });

  it('shows fields by version: Folsom has no seed or project, Rocky no dedicated_cpus', async () => {
    const folsom = await json(webId, '/openstack/2012-08-10/meta_data.json');
    expect(Object.keys(folsom)).toEqual([
      'uuid',
      'meta',
      'public_keys',
      'keys',
      'hostname',
      'name',
      'launch_index',
      'availability_zone',
    ]);
    const rocky = await json(webId, '/openstack/2018-08-27/meta_data.json');
    expect(rocky).toMatchObject({ project_id: 'project-a', devices: [] });
    expect(rocky).not.toHaveProperty('dedicated_cpus');
    const liberty = await json(webId, '/openstack/2015-10-15/meta_data.json');
    expect(liberty).toHaveProperty('project_id', 'project-a');
    expect(liberty).not.toHaveProperty('devices');
  });

  it('leaves meta and keys out for a server without metadata or key pair', async () => {
    const md = await json(bareId, '/openstack/latest/meta_data.json');
    expect(md).toMatchObject({ uuid: bareId, name: 'bare', hostname: 'bare.novalocal' });
    expect(md).not.toHaveProperty('meta');
    expect(md).not.toHaveProperty('public_keys');
    expect(md).not.toHaveProperty('keys');
  });

  it('serves user_data as the exact bytes given at create, and 404 for a server without', async () => {
    for (const version of ['latest', '2012-08-10']) {
      const reply = await get(webId, `/openstack/${version}/user_data`);
      expect(reply.status).toBe(200);
      expect(reply.contentType).toMatch(/^text\/plain/);
      expect(reply.body.equals(USER_DATA)).toBe(true);
    }
    expect((await get(bareId, '/openstack/latest/user_data')).status).toBe(404);
  });

  it('serves vendor data, network data and the password as Nova does without providers, ports or password', async () => {
    expect(await json(webId, '/openstack/latest/vendor_data.json')).toEqual({});
    expect(await json(webId, '/openstack/latest/vendor_data2.json')).toEqual({ static: {} });
    // Nova never sets a JSON type on network_data.json.
    expectText(await get(webId, '/openstack/latest/network_data.json'), '{}');
    const password = await get(webId, '/openstack/latest/password');
    expect({ status: password.status, body: password.text() }).toEqual({ status: 200, body: '' });
    expect((await get(webId, '/openstack/2012-08-10/password')).status).toBe(404);
    expect((await get(webId, '/openstack/2013-04-04/vendor_data.json')).status).toBe(404);
    expect((await get(webId, '/openstack/2016-06-30/vendor_data2.json')).status).toBe(404);
    expect((await get(webId, '/openstack/2011-01-01/meta_data.json')).status).toBe(404);
  });
});

describe('the EC2 tree', () => {
  it('lists versions at the root to anyone, and meta-data keys per version', async () => {
    const root = await raw('/', {});
    expect(root.status).toBe(200);
    expect(root.body.split('\n')).toEqual([
      '1.0',
      '2007-01-19',
      '2007-03-01',
      '2007-08-29',
      '2007-10-10',
      '2007-12-15',
      '2008-02-01',
      '2008-09-01',
      '2009-04-04',
      'latest',
    ]);
    expectText(await get(webId, '/latest'), 'meta-data/\nuser-data');
    expectText(
      await get(webId, '/latest/meta-data/'),
      'ami-id\nami-launch-index\nami-manifest-path\nblock-device-mapping/\nhostname\ninstance-action\ninstance-id\n' +
        'instance-type\nlocal-hostname\nlocal-ipv4\nplacement/\npublic-hostname\npublic-ipv4\npublic-keys/\n' +
        'reservation-id\nsecurity-groups',
    );
    const v1 = (await get(webId, '/1.0/meta-data/')).text().split('\n');
    expect(v1).toContain('instance-id');
    expect(v1).not.toContain('placement/');
    expect(v1).not.toContain('local-hostname');
  });

  it("answers the instance's ids, names, address, zone, type and key", async () => {
    const instanceId = `i-${BigInt(web.seq).toString(16).padStart(8, '0')}`;
    const expected: Record<string, string> = {
      'instance-id': instanceId,
      hostname: 'web-1.novalocal',
      'local-hostname': 'web-1.novalocal',
      'local-ipv4': `10.0.${Math.floor(Number(web.seq) / 256)}.${Number(web.seq) % 256}`,
      'placement/availability-zone': 'nova',
      'public-keys/': '0=laptop',
      'public-keys/0/': 'openssh-key',
      'public-keys/0/openssh-key': ED25519,
      'instance-type': 'm1.tiny',
      'reservation-id': web.reservation_id,
      'ami-launch-index': '0',
      'ami-id': 'ami-70a599e0',
    };
    for (const [path, value] of Object.entries(expected)) {
      expectText(await get(webId, `/latest/meta-data/${path}`), value);
    }
    expectText(await get(webId, '/2009-04-04/meta-data/instance-id'), instanceId);
    expectText(await get(webId, '/2008-02-01/meta-data/placement/availability-zone'), 'nova');
    expect((await get(bareId, '/latest/meta-data/public-keys/')).status).toBe(404);
    expect((await get(webId, '/2010-01-01/meta-data/instance-id')).status).toBe(404);
  });

  it('serves user-data byte for byte', async () => {
    const reply = await get(webId, '/latest/user-data');
    expect(reply.status).toBe(200);
    expect(reply.body.equals(USER_DATA)).toBe(true);
    expect((await get(webId, '/2009-04-04/user-data')).body.equals(USER_DATA)).toBe(true);
    expect((await get(bareId, '/latest/user-data')).status).toBe(404);
  });
});

describe('who is asking', () => {
  const PATHS = ['/openstack/latest/meta_data.json', '/latest/user-data', '/latest/meta-data/instance-id'];
  const FORBIDDEN = '403 Forbidden\n\nInvalid proxy request signature.\n\n   ';

  it('refuses requests without a signature with 403 and nothing else', async () => {
    const signed = await signedHeaders(webId);
    for (const path of PATHS) {
      expect(await raw(path, {})).toEqual({ status: 403, body: FORBIDDEN });
      const { 'X-Instance-ID-Signature': _omitted, ...unsigned } = signed;
      expect(await raw(path, unsigned)).toEqual({ status: 403, body: FORBIDDEN });
    }
  });

  it('refuses forged signatures: made up, altered, or made with another secret', async () => {
    const signed = await signedHeaders(webId);
    const valid = signed['X-Instance-ID-Signature']!;
    const forgeries = [
      '0'.repeat(64),
      valid.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
      signInstanceId('a-guessed-secret-of-some-length', webId),
    ];
    for (const signature of forgeries) {
      const reply = await raw('/openstack/latest/meta_data.json', { ...signed, 'X-Instance-ID-Signature': signature });
      expect(reply).toEqual({ status: 403, body: FORBIDDEN });
    }
  });

  it("never lets instance A's signature read instance B", async () => {
    const a = await signedHeaders(webId);
    for (const path of PATHS) {
      expect(await raw(path, { ...a, 'X-Instance-ID': bareId })).toEqual({ status: 403, body: FORBIDDEN });
    }
    // The same headers unchanged do read A: the refusal above is about the swapped id.
    expect((await raw('/latest/meta-data/instance-id', a)).status).toBe(200);
  });

  it("answers 404 when X-Tenant-ID is not the instance's project, and 400 without one", async () => {
    const signed = await signedHeaders(webId);
    const other = await raw('/openstack/latest/meta_data.json', { ...signed, 'X-Tenant-ID': 'project-b' });
    expect(other).toEqual({ status: 404, body: '404 Not Found\n\nThe resource could not be found.\n\n   ' });
    const { 'X-Tenant-ID': _omitted, ...noTenant } = signed;
    expect((await raw('/openstack/latest/meta_data.json', noTenant)).status).toBe(400);
  });

  it("refuses to sign for a guest that is not on the proxy's host", async () => {
    const webHost = (await stack.sql`SELECT host FROM instances WHERE uuid = ${webId}`)[0]!['host'] as string;
    const otherHost = HOSTS.find((h) => h !== webHost)!;
    await expect(stack.metadataProxy(otherHost).get(webId, '/latest')).rejects.toThrow(/could not be found/);
  });
});

describe('changes', () => {
  // There is no /servers/{id}/metadata API yet: the test changes the row as the conductor would, bumping
  // updated_at like every instance write does.
  it('shows a metadata change on the next read', async () => {
    expect((await json(webId, '/openstack/latest/meta_data.json'))['meta']).toEqual({ role: 'web', tier: 'front' });
    await stack.sql`
      UPDATE instances SET metadata = ${stack.sql.json({ role: 'db' })}, updated_at = now() WHERE uuid = ${webId}`;
    expect((await json(webId, '/openstack/latest/meta_data.json'))['meta']).toEqual({ role: 'db' });
  });

  it('serves the cached document until the row version moves', async () => {
    await json(webId, '/openstack/latest/meta_data.json');
    // A change that leaves updated_at alone is invisible: the read came from the cache, not the row.
    await stack.sql`UPDATE instances SET name = 'renamed' WHERE uuid = ${webId}`;
    expect((await json(webId, '/openstack/latest/meta_data.json'))['name']).toBe('Web 1');
    await stack.sql`UPDATE instances SET updated_at = now() WHERE uuid = ${webId}`;
    expect((await json(webId, '/openstack/latest/meta_data.json'))['name']).toBe('renamed');
  });

  it('shows what a rebuild changed: name, key pair and user data', async () => {
    const v257 = alice.withHeaders({ 'OpenStack-API-Version': 'compute 2.57' });
    const userData = Buffer.from('#cloud-config\nhostname: rebuilt\n');
    const reply = await v257.action(bareId, {
      rebuild: {
        imageRef: '70a599e0-31e7-49b7-b260-868f441e862b',
        name: 'rebuilt',
        key_name: 'laptop',
        user_data: userData.toString('base64'),
      },
    });
    expect(reply.status).toBe(202);
    await alice.waitForStatus(bareId, 'ACTIVE');
    const meta = await json(bareId, '/openstack/latest/meta_data.json');
    expect(meta).toMatchObject({ name: 'rebuilt', public_keys: { laptop: ED25519 } });
    const served = await get(bareId, '/openstack/latest/user_data');
    expect(served.status).toBe(200);
    expect(Buffer.from(served.body).equals(userData)).toBe(true);
  });

  it("follows a cold migration: the new host's proxy serves the guest, the old one no longer can", async () => {
    const before = await proxyFor(webId);
    const admin = new ApiClient(stack.baseUrl).as('admin:admin');
    expect((await admin.action(webId, { migrate: null })).status).toBe(202);
    await admin.waitForStatus(webId, 'VERIFY_RESIZE');
    expect((await admin.action(webId, { confirmResize: null })).status).toBe(204);
    await admin.waitForStatus(webId, 'ACTIVE');
    const after = await proxyFor(webId);
    expect(after).not.toEqual(before);
    const md = JSON.parse((await after.get(webId, '/openstack/latest/meta_data.json')).text());
    expect(md).toMatchObject({ uuid: webId, project_id: 'project-a', public_keys: { laptop: ED25519 } });
    expect((await after.get(webId, '/latest/user-data')).body.equals(USER_DATA)).toBe(true);
    await expect(before.get(webId, '/latest')).rejects.toThrow(/could not be found/);
  });

  it("answers 404 once the instance is deleted, even with the proxy's valid headers", async () => {
    const signed = await signedHeaders(bareId);
    expect((await raw('/openstack/latest/meta_data.json', signed)).status).toBe(200);
    expect((await alice.delete(`/v2.1/servers/${bareId}`)).status).toBe(204);
    await alice.waitForGone(bareId);
    for (const path of ['/openstack/latest/meta_data.json', '/latest/meta-data/instance-id']) {
      expect((await raw(path, signed)).status).toBe(404);
    }
    await expect(get(bareId, '/latest')).rejects.toThrow(/could not be found/);
  });
});
