import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { serviceUuid } from '../../api/views/hypervisor-ids';
import { ApiClient, expectNovaError } from '../support/http';
import { useTestStack } from '../support/use-test-stack';

// GET /servers and /servers/detail: pages newest first with Nova's next links, and each project's own servers
// while lists run together, as identical ones share reads (api/read-coalescing.ts; its unit tests prove a
// shared read never starts before a caller it answers arrived), and servers changed since the JSON of their
// last list was rendered (api/routes/server-page.ts remembers it by row version).
const env = useTestStack({ hosts: [{ name: 'host-a' }] });

const ids = (reply: { body: { servers: { id: string }[] } }) => reply.body.servers.map((s) => s.id);

async function createServers(client: ApiClient, prefix: string, count: number): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; i < count; i++) created.push(await client.createServer({ name: `${prefix}-${i}` }));
  return created;
}

/** Copies of a server into project `project` (outside the quota of the server's own). */
async function copyServer(template: string, project: string, count: number): Promise<void> {
  await env.stack.sql`
    INSERT INTO instances
    SELECT (jsonb_populate_record(NULL::instances, to_jsonb(t) || jsonb_build_object(
      'uuid', gen_random_uuid(), 'seq', nextval(pg_get_serial_sequence('instances', 'seq')),
      'name', 'copy-' || n, 'project_id', ${project}::text))).*
    FROM instances t CROSS JOIN generate_series(1, ${count}) AS n WHERE t.uuid = ${template}`;
}

/** A GET as it comes off the wire (Node's fetch would decompress it), with the Accept-Encoding given. */
function rawGet(
  path: string,
  acceptEncoding?: string,
  method = 'GET',
): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding };
    request(`${env.stack.baseUrl}${path}`, { headers, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('paging through servers', () => {
  it('lists newest first, links to the next page while pages are full, and ends without a link', async () => {
    const carol = new ApiClient(env.stack.baseUrl).as('carol:project-pages');
    const created = await createServers(carol, 'page', 3);
    const newestFirst = [...created].reverse();

    const first = await carol.get('/v2.1/servers/detail?limit=2');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(ids(first)).toEqual(newestFirst.slice(0, 2));
    const next = new URL(first.body.servers_links[0].href);
    expect(first.body.servers_links).toEqual([{ rel: 'next', href: expect.any(String) }]);
    expect(next.pathname).toBe('/v2.1/servers/detail');
    expect(next.searchParams.get('marker')).toBe(newestFirst[1]);
    expect(next.searchParams.get('limit')).toBe('2');

    const second = await carol.get(`${next.pathname}${next.search}`);
    expect(ids(second)).toEqual(newestFirst.slice(2));
    expect(second.body.servers_links).toBeUndefined();

    const summaries = await carol.get('/v2.1/servers');
    expect(summaries.body.servers.map((s: { name: string }) => s.name)).toEqual(['page-2', 'page-1', 'page-0']);
  });
});

describe('filtering by hostname', () => {
  it('matches the hostname as a regular expression from 2.90, and for admins at any microversion', async () => {
    const dave = new ApiClient(env.stack.baseUrl).as('dave:project-hostnames');
    const at290 = dave.withHeaders({ 'OpenStack-API-Version': 'compute 2.90' });
    const web = await at290.createServer({ name: 'Web Server 1', hostname: 'web-1' });
    const db = await at290.createServer({ name: 'db server', hostname: 'db-1' });

    expect(ids(await at290.get('/v2.1/servers?hostname=^web-'))).toEqual([web]);
    expect(ids(await at290.get('/v2.1/servers/detail?hostname=-1$'))).toEqual([db, web]);
    // Before 2.90 a user's hostname filter is dropped, as Nova drops filters a user may not use.
    expect(ids(await dave.get('/v2.1/servers?hostname=^web-'))).toEqual([db, web]);
    const admin = env.api.withHeaders({ 'OpenStack-API-Version': 'compute 2.1' });
    expect(ids(await admin.get('/v2.1/servers?all_tenants=1&hostname=^db-1$'))).toEqual([db]);
    expectNovaError(
      await at290.get('/v2.1/servers?hostname=('),
      400,
      'badRequest',
      'Invalid regular expression in filter hostname: (',
    );
  });
});

describe('lists asked for at the same time', () => {
  it('answer every caller of a failed read with the 400 of its bad filter', async () => {
    const replies = await Promise.all(Array.from({ length: 5 }, () => env.api.get('/v2.1/servers?name=(')));
    for (const reply of replies) {
      expectNovaError(reply, 400, 'badRequest', 'Invalid regular expression in filter name: (');
    }
    expect((await env.api.get('/v2.1/servers?name=^page-')).status).toBe(200);
  });

  it("give each project only its own servers, even when both projects' lists run together", async () => {
    const dave = new ApiClient(env.stack.baseUrl).as('dave:project-d');
    const erin = new ApiClient(env.stack.baseUrl).as('erin:project-e');
    const [daves, erins] = await Promise.all([createServers(dave, 'd', 2), createServers(erin, 'e', 2)]);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? erin : dave).get('/v2.1/servers/detail')),
    );
    replies.forEach((reply, i) => {
      expect(reply.status).toBe(200);
      expect(new Set(ids(reply))).toEqual(new Set(i % 2 ? erins : daves));
    });
  });

  it('show a server to a list asked for after its create was accepted, while other lists keep running', async () => {
    const frank = new ApiClient(env.stack.baseUrl).as('frank:project-f');
    let listing = true;
    const listers = Array.from({ length: 8 }, async () => {
      while (listing) expect((await frank.get('/v2.1/servers/detail')).status).toBe(200);
    });
    try {
      for (let i = 0; i < 8; i++) {
        const id = await frank.createServer({ name: `while-listing-${i}` });
        expect(ids(await frank.get('/v2.1/servers/detail'))).toContain(id);
      }
    } finally {
      listing = false;
      await Promise.all(listers);
    }
  });
});

const atVersion = (client: ApiClient, version: string) =>
  client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

describe('a server listed before', () => {
  const entryOf = async (client: ApiClient, path: string, id: string) => {
    const reply = await client.get(path);
    expect(reply.status).toBe(200);
    return reply.body.servers.find((server: { id: string }) => server.id === id);
  };

  it('shows its stop, its new metadata and its host being disabled or forced down in the next list', async () => {
    const admin = atVersion(env.api, '2.96');
    const owner = atVersion(new ApiClient(env.stack.baseUrl).as('grace:project-g'), '2.96');
    const id = await owner.createServer({ name: 'before' });
    await owner.waitForStatus(id, 'ACTIVE');
    const adminPath = '/v2.1/servers/detail?all_tenants=1&project_id=project-g';
    expect(await entryOf(admin, adminPath, id)).toMatchObject({ status: 'ACTIVE', metadata: {}, host_status: 'UP' });
    expect(await entryOf(owner, '/v2.1/servers/detail', id)).toMatchObject({ status: 'ACTIVE', metadata: {} });

    expect((await owner.action(id, { 'os-stop': null })).status).toBe(202);
    await owner.waitForStatus(id, 'SHUTOFF');
    expect((await owner.post(`/v2.1/servers/${id}/metadata`, { metadata: { tier: 'web' } })).status).toBe(200);
    const setHost = (change: object) =>
      atVersion(env.api, '2.53').put(`/v2.1/os-services/${serviceUuid('host-a')}`, change);
    expect((await setHost({ status: 'disabled' })).status).toBe(200);
    try {
      expect(await entryOf(admin, adminPath, id)).toMatchObject({
        status: 'SHUTOFF',
        metadata: { tier: 'web' },
        host_status: 'MAINTENANCE',
      });
      expect(await entryOf(owner, '/v2.1/servers/detail', id)).toMatchObject({
        status: 'SHUTOFF',
        metadata: { tier: 'web' },
      });
      expect(Object.keys(await entryOf(owner, '/v2.1/servers', id)).sort()).toEqual(['id', 'links', 'name']);
    } finally {
      expect((await setHost({ status: 'enabled' })).status).toBe(200);
    }
    expect(await entryOf(admin, adminPath, id)).toMatchObject({ host_status: 'UP' });
    expect((await setHost({ forced_down: true })).status).toBe(200);
    try {
      expect(await entryOf(admin, adminPath, id)).toMatchObject({ host_status: 'DOWN' });
    } finally {
      expect((await setHost({ forced_down: false })).status).toBe(200);
    }
  });

  it('is shown to each caller as GET /servers/{id} shows it to that caller, whoever listed it first', async () => {
    const owner = new ApiClient(env.stack.baseUrl).as('heidi:project-h');
    const id = await owner.createServer({ name: 'viewed' });
    await owner.waitForStatus(id, 'ACTIVE');
    const callers: [ApiClient, string][] = [
      [atVersion(env.api, '2.96'), '/v2.1/servers/detail?all_tenants=1&project_id=project-h'],
      [atVersion(env.api, '2.1'), '/v2.1/servers/detail?all_tenants=1&project_id=project-h'],
      [atVersion(owner, '2.96'), '/v2.1/servers/detail'],
      [atVersion(owner, '2.1'), '/v2.1/servers/detail'],
    ];
    for (const [client, path] of callers) {
      const { server_groups: _inShowOnly, ...shown } = (await client.get(`/v2.1/servers/${id}`)).body.server;
      expect(await entryOf(client, path, id)).toEqual(shown);
    }
    const asOwner = await entryOf(owner, '/v2.1/servers/detail', id);
    expect(asOwner).not.toHaveProperty('OS-EXT-SRV-ATTR:host');
    expect(asOwner.flavor).toHaveProperty('links');
  });
});

describe('a large page', () => {
  it('goes gzipped to a client that accepts gzip and as plain JSON to one that does not, with the same servers', async () => {
    await copyServer(await env.api.createServer({ name: 'big-page' }), 'project-big', 40);
    const path = '/v2.1/servers/detail?all_tenants=1&project_id=project-big';

    const plain = await rawGet(path);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toContain('Accept-Encoding');
    const servers = JSON.parse(plain.body.toString()).servers;
    expect(servers).toHaveLength(40);

    const zipped = await rawGet(path, 'gzip, deflate');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 4);
    expect(JSON.parse(gunzipSync(zipped.body).toString()).servers).toEqual(servers);

    for (const refusing of ['identity', 'gzip;q=0', 'br']) {
      const unzipped = await rawGet(path, refusing);
      expect(unzipped.headers['content-encoding']).toBeUndefined();
      expect(unzipped.body.equals(plain.body)).toBe(true);
    }
    const head = await rawGet(path, 'gzip', 'HEAD');
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers['content-length']).toBe(String(zipped.body.length));
    expect(head.body.length).toBe(0);

    const small = await rawGet('/v2.1/servers?limit=1', 'gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString()).servers).toHaveLength(1);
  });
});
