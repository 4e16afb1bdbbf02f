import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { hashPassword } from '../../domain/password';
import { LocalImageStore } from '../../storage/image-store';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient } from '../support/http';
import { stagedCopies } from '../support/staged-copies';
import { startTestStack, type TestStack } from '../support/test-stack';

// The Glance v2-compatible image service at /image, in keystone mode as openstacksdk uses it: discovery from
// the catalog, image records, data streamed to and from the image store, Glance's (webob's) error bodies,
// visibility between projects, and booting a server from uploaded bytes.
let stack: TestStack;
let tokens: { admin: string; demo: string; alt: string };
let projects: { admin: string; demo: string; alt: string };

const MAX_UPLOAD = 2 * 1024 * 1024;
const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GLANCE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface Reply {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
  json: any;
}

interface CallOptions {
  token?: string | undefined;
  json?: unknown;
  body?: Buffer | string;
  contentType?: string;
  /** openstacksdk sends `Accept: application/json`, except `Accept: ''` for uploads and patches. */
  accept?: string | null;
  headers?: Record<string, string>;
}

async function call(method: string, urlPath: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers['X-Auth-Token'] = opts.token;
  if (opts.accept !== null) headers['Accept'] = opts.accept ?? 'application/json';
  let body: Buffer | string | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] = opts.contentType ?? 'application/json';
  } else if (opts.contentType !== undefined) {
    headers['Content-Type'] = opts.contentType;
  }
  const res = await fetch(`${stack.baseUrl}${urlPath}`, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, text, json };
}

const digest = (algo: string, data: Buffer) => createHash(algo).update(data).digest('hex');

/** webob's JSON error body for an explanation Glance passes. */
function glanceError(status: string, title: string, explanation: string) {
  return { message: `${explanation}<br /><br />\n\n\n`, code: status, title };
}

async function issue(user: string, password: string): Promise<{ token: string; body: any }> {
  const reply = await call('POST', '/identity/v3/auth/tokens', {
    json: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
      },
    },
  });
  expect(reply.status).toBe(201);
  return { token: reply.headers.get('x-subject-token')!, body: reply.json };
}

async function createImage(token: string, fields: Record<string, unknown> = {}): Promise<any> {
  const reply = await call('POST', '/image/v2/images', {
    token,
    json: { name: 'img', disk_format: 'raw', container_format: 'bare', ...fields },
  });
  expect(reply.status).toBe(201);
  return reply.json;
}

function upload(token: string, id: string, data: Buffer): Promise<Reply> {
  return call('PUT', `/image/v2/images/${id}/file`, {
    token,
    body: data,
    contentType: 'application/octet-stream',
    accept: '',
  });
}

async function uploadedImage(token: string, data: Buffer, fields: Record<string, unknown> = {}): Promise<any> {
  const image = await createImage(token, fields);
  expect((await upload(token, image.id, data)).status).toBe(204);
  return image;
}

function patch(token: string, id: string, changes: unknown[], contentType = PATCH_TYPE): Promise<Reply> {
  return call('PATCH', `/image/v2/images/${id}`, { token, json: changes, contentType });
}

/** A chunked upload of unknown length: the cap has to stop it while it streams. */
function putChunked(id: string, token: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${stack.baseUrl}/image/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    const writeNext = (i: number) => {
      if (i === chunks.length) {
        req.end();
        return;
      }
      if (req.write(chunks[i])) setImmediate(() => writeNext(i + 1));
      else req.once('drain', () => writeNext(i + 1));
    };
    writeNext(0);
  });
}

/** Every content address in the image store. */
async function storedAddresses(): Promise<string[]> {
  return (await new LocalImageStore(stack.imageDir).listPublished()).sort();
}

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [{ name: 'host-a' }],
    auth: { strategy: 'keystone' },
    imageMaxBytes: MAX_UPLOAD,
  });
  // A second member project, so visibility is tested between two projects that are not admin.
  const alt = { project: 'a1'.repeat(16), user: 'b2'.repeat(16) };
  await stack.sql`INSERT INTO projects (id, name) VALUES (${alt.project}, 'alt')`;
  await stack.sql`
    INSERT INTO users (id, name, password_hash, default_project_id)
    VALUES (${alt.user}, 'alt', ${await hashPassword('alt')}, ${alt.project})`;
  await stack.sql`
    INSERT INTO role_assignments (user_id, project_id, role_id)
    SELECT ${alt.user}, ${alt.project}, id FROM roles WHERE name = 'member'`;
  const [admin, demo, altUser] = await Promise.all([
    issue('admin', 'admin'),
    issue('demo', 'demo'),
    issue('alt', 'alt'),
  ]);
  tokens = { admin: admin.token, demo: demo.token, alt: altUser.token };
  projects = {
    admin: admin.body.token.project.id,
    demo: demo.body.token.project.id,
    alt: altUser.body.token.project.id,
  };
});

afterAll(async () => {
  await stack?.stop();
});

describe('discovery', () => {
  it('lists the image service in the token catalog, and its endpoint answers with the version document', async () => {
    const { body } = await issue('demo', 'demo');
    const image = body.token.catalog.find((s: any) => s.type === 'image');
    expect(image).toMatchObject({ type: 'image', name: 'glance' });
    expect(image.endpoints.map((e: any) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
    for (const e of image.endpoints) {
      expect(e).toMatchObject({ region_id: 'RegionOne', region: 'RegionOne', url: `${stack.baseUrl}/image` });
    }

    // openstacksdk discovers from the catalog endpoint: Glance answers 300 Multiple Choices there.
    const root = await fetch(image.endpoints[0].url, { headers: { Accept: 'application/json' } });
    expect(root.status).toBe(300);
    const versions = (await root.json()) as any;
    expect(versions.versions[0]).toEqual({
      id: 'v2.17',
      status: 'CURRENT',
      links: [{ rel: 'self', href: `${stack.baseUrl}/image/v2/` }],
    });
    expect(versions.versions.slice(1).every((v: any) => v.status === 'SUPPORTED' && /^v2\.\d+$/.test(v.id))).toBe(true);

    const explicit = await call('GET', '/image/versions');
    expect(explicit.status).toBe(200);
    expect(explicit.json).toEqual(versions);
  });

  it("answers 401 in keystonemiddleware's shape without a live token", async () => {
    for (const token of [undefined, 'not-a-token']) {
      const reply = await call('GET', '/image/v2/images', { token });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({
        error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
      });
      expect(reply.headers.get('www-authenticate')).toBe(`Keystone uri="${stack.baseUrl}/identity/v3"`);
    }
  });

  it('serves the image schemas', async () => {
    const image = await call('GET', '/image/v2/schemas/image', { token: tokens.demo });
    expect(image.status).toBe(200);
    expect(image.json).toMatchObject({ name: 'image', additionalProperties: { type: 'string' } });
    expect(image.json.properties.disk_format.enum).toContain('qcow2');
    const images = await call('GET', '/image/v2/schemas/images', { token: tokens.demo });
    expect(images.json).toMatchObject({ name: 'images', properties: { images: { type: 'array' } } });
  });
});

describe('create, upload, show, download', () => {
  it('creates a queued record, stores the upload and serves it back byte for byte', async () => {
    const created = await call('POST', '/image/v2/images', {
      token: tokens.demo,
      json: {
        name: 'my-disk',
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
        min_disk: 1,
        min_ram: 64,
        tags: ['web', 'web', 'linux'],
        'owner_specified.openstack.md5': 'abc',
        os_distro: 'cirros',
      },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect(id).toMatch(UUID);
    expect(created.headers.get('location')).toBe(`${stack.baseUrl}/image/v2/images/${id}`);
    expect(created.json).toEqual({
      id,
      name: 'my-disk',
      status: 'queued',
      visibility: 'private',
      protected: false,
      os_hidden: false,
      tags: ['web', 'linux'],
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      size: null,
      virtual_size: null,
      min_disk: 1,
      min_ram: 64,
      disk_format: 'raw',
      container_format: 'bare',
      owner: projects.demo,
      created_at: expect.stringMatching(GLANCE_TIME),
      updated_at: expect.stringMatching(GLANCE_TIME),
      self: `/v2/images/${id}`,
      file: `/v2/images/${id}/file`,
      schema: '/v2/schemas/image',
      'owner_specified.openstack.md5': 'abc',
      os_distro: 'cirros',
    });
    // Nova's image proxy shows a queued image as SAVING.
    const proxied = await new ApiClient(stack.baseUrl).as(tokens.demo).get(`/v2.1/images/${id}`);
    expect(proxied.body.image).toMatchObject({ status: 'SAVING', progress: 25 });
    expect((await call('GET', `/image/v2/images/${id}/file`, { token: tokens.demo })).status).toBe(204);

    const data = randomBytes(300 * 1024 + 7);
    const uploaded = await upload(tokens.demo, id, data);
    expect(uploaded.status).toBe(204);

    const shown = await call('GET', `/image/v2/images/${id}`, { token: tokens.demo });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      status: 'active',
      size: data.length,
      checksum: digest('md5', data),
      os_hash_algo: 'sha512',
      os_hash_value: digest('sha512', data),
      virtual_size: null,
    });
    const sha256 = digest('sha256', data);
    const [row] = await stack.sql`SELECT store_sha256 FROM images WHERE id = ${id}`;
    expect(row!['store_sha256']).toBe(sha256);
    expect(await stack.images.has(sha256)).toBe(true);
    expect(await stagedCopies(stack.imageDir)).toEqual([]);

    const download = await call('GET', `/image/v2/images/${id}/file`, { token: tokens.demo, accept: null });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-md5')).toBe(digest('md5', data));
    expect(download.headers.get('content-length')).toBe(String(data.length));
    expect(download.bytes.equals(data)).toBe(true);

    const active = await new ApiClient(stack.baseUrl).as(tokens.demo).get(`/v2.1/images/${id}`);
    expect(active.body.image).toMatchObject({ status: 'ACTIVE', progress: 100, 'OS-EXT-IMG-SIZE:size': data.length });
  });

  it('answers 204 for the data of a seeded base image, which has no stored bytes', async () => {
    const reply = await call('GET', '/image/v2/images/70a599e0-31e7-49b7-b260-868f441e862b/file', {
      token: tokens.demo,
    });
    expect(reply.status).toBe(204);
    expect(reply.bytes.length).toBe(0);
  });

  it('answers 409 to an upload to an active image, and keeps the image as it was', async () => {
    const data = randomBytes(1024);
    const image = await uploadedImage(tokens.demo, data);
    const again = await call('PUT', `/image/v2/images/${image.id}/file`, {
      token: tokens.demo,
      body: randomBytes(10),
      contentType: 'application/octet-stream',
    });
    expect(again.status).toBe(409);
    expect(again.json).toEqual(
      glanceError('409 Conflict', 'Conflict', 'Image status transition from active to saving is not allowed'),
    );
    const shown = await call('GET', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(shown.json).toMatchObject({ status: 'active', size: 1024, checksum: digest('md5', data) });
  });

  it('refuses uploads over NOVA_IMAGE_MAX_BYTES with 413 and puts the image back to queued with no bytes', async () => {
    const before = await storedAddresses();
    const image = await createImage(tokens.demo);
    const announced = await upload(tokens.demo, image.id, randomBytes(MAX_UPLOAD + 1));
    expect(announced.status).toBe(413);
    expect(announced.text).toBe(
      '413 Request Entity Too Large\n\nThe incoming image is too large: The provided image is too large.\n\n   ',
    );

    const streamed = await putChunked(
      image.id,
      tokens.demo,
      Array.from({ length: 40 }, () => randomBytes(64 * 1024)),
    );
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual(
      glanceError(
        '413 Request Entity Too Large',
        'Request Entity Too Large',
        'The incoming image is too large: The provided image is too large.',
      ),
    );
    const shown = await call('GET', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(shown.json).toMatchObject({ status: 'queued', size: null, checksum: null });
    expect(await storedAddresses()).toEqual(before);
    expect(await stagedCopies(stack.imageDir)).toEqual([]);

    // The image can still be uploaded, as with Glance after a failed upload.
    expect((await upload(tokens.demo, image.id, randomBytes(100))).status).toBe(204);
  });

  it('puts the image back to queued with no bytes when the client drops the connection mid-upload', async () => {
    const before = await storedAddresses();
    const image = await createImage(tokens.demo);
    const req = http.request(`${stack.baseUrl}/image/v2/images/${image.id}/file`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': tokens.demo, 'Content-Type': 'application/octet-stream' },
    });
    req.on('error', () => undefined);
    req.write(randomBytes(64 * 1024));
    await waitFor('the upload to start', async () => {
      const [row] = await stack.sql`SELECT status FROM images WHERE id = ${image.id}`;
      return row!['status'] === 'saving';
    });
    req.destroy();
    await waitFor('the image to be queued again', async () => {
      const [row] = await stack.sql`SELECT status FROM images WHERE id = ${image.id}`;
      return row!['status'] === 'queued';
    });
    expect(await storedAddresses()).toEqual(before);
    await waitFor('no partial upload left', async () => (await stagedCopies(stack.imageDir)).length === 0);
  });
});

describe('list', () => {
  let ids: string[];

  beforeAll(async () => {
    ids = [];
    for (const [i, name] of ['list-a', 'list-b', 'list-c', 'list-d'].entries()) {
      const image = await createImage(tokens.demo, {
        name,
        tags: ['listing'],
        visibility: i === 3 ? 'community' : 'private',
      });
      ids.push(image.id);
    }
    await upload(tokens.demo, ids[1]!, randomBytes(64));
  });

  it('lists newest first and pages with limit, marker and next links', async () => {
    const first = await call('GET', '/image/v2/images?tag=listing&limit=2', { token: tokens.demo });
    expect(first.status).toBe(200);
    expect(first.json.images.map((i: any) => i.name)).toEqual(['list-d', 'list-c']);
    expect(first.json.first).toBe('/v2/images?tag=listing&limit=2');
    expect(first.json.schema).toBe('/v2/schemas/images');
    expect(first.json.next).toBe(`/v2/images?tag=listing&limit=2&marker=${ids[2]}`);

    const second = await call('GET', `/image${first.json.next}`, { token: tokens.demo });
    expect(second.json.images.map((i: any) => i.name)).toEqual(['list-b', 'list-a']);
    const third = await call('GET', `/image${second.json.next}`, { token: tokens.demo });
    expect(third.json.images).toEqual([]);
    expect(third.json.next).toBeUndefined();

    const sorted = await call('GET', '/image/v2/images?tag=listing&sort=name:asc&limit=3', { token: tokens.demo });
    expect(sorted.json.images.map((i: any) => i.name)).toEqual(['list-a', 'list-b', 'list-c']);
    const rest = await call('GET', `/image${sorted.json.next}`, { token: tokens.demo });
    expect(rest.json.images.map((i: any) => i.name)).toEqual(['list-d']);
  });

  it('filters by name, status, visibility and owner', async () => {
    const names = async (query: string, token = tokens.demo) =>
      (await call('GET', `/image/v2/images?${query}`, { token })).json.images.map((i: any) => i.name).sort();
    expect(await names('name=list-c')).toEqual(['list-c']);
    expect(await names('name=in:list-a,list-c')).toEqual(['list-a', 'list-c']);
    expect(await names('tag=listing&status=active')).toEqual(['list-b']);
    expect(await names('tag=listing&status=queued')).toEqual(['list-a', 'list-c', 'list-d']);
    expect(await names('tag=listing&visibility=community')).toEqual(['list-d']);
    expect(await names(`tag=listing&owner=${projects.demo}`)).toEqual(['list-a', 'list-b', 'list-c', 'list-d']);
    expect(await names(`tag=listing&owner=${projects.alt}`)).toEqual([]);
    expect(await names('visibility=public')).toEqual(['cirros-0.6.2-x86_64-disk', 'ubuntu-24.04-server']);
  });

  it("shows another project's community images only when asked, and its private ones never", async () => {
    const names = async (query: string) =>
      (await call('GET', `/image/v2/images?${query}`, { token: tokens.alt })).json.images
        .map((i: any) => i.name)
        .sort();
    expect(await names('tag=listing')).toEqual([]);
    expect(await names('tag=listing&visibility=community')).toEqual(['list-d']);
    expect(await names('tag=listing&visibility=all')).toEqual(['list-d']);
    expect(await names('tag=listing&visibility=private')).toEqual([]);
    // An admin sees every project's private images.
    const admin = await call('GET', '/image/v2/images?tag=listing&visibility=all', { token: tokens.admin });
    expect(admin.json.images.map((i: any) => i.name).sort()).toEqual(['list-a', 'list-b', 'list-c', 'list-d']);
  });

  it("answers 400 with Glance's messages for bad parameters and a marker the caller cannot see", async () => {
    const invisible = await createImage(tokens.alt, { visibility: 'private' });
    const cases: [string, string][] = [
      ['limit=-1', 'limit param must be positive'],
      ['sort_key=color', expect.stringContaining('Invalid sort key: color.') as unknown as string],
      ['visibility=everyone', 'Invalid visibility value: everyone'],
      [`marker=${invisible.id}`, `No image found with ID ${invisible.id}`],
      ['marker=not-a-uuid', 'No image found with ID not-a-uuid'],
    ];
    for (const [query, message] of cases) {
      const reply = await call('GET', `/image/v2/images?${query}`, { token: tokens.demo });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ message: expect.any(String), code: '400 Bad Request', title: 'Bad Request' });
      expect(reply.json.message.replace(/<br \/><br \/>\n\n\n$/, '')).toEqual(message);
    }
  });
});

describe('PATCH', () => {
  it('applies a json-patch as openstacksdk sends it and answers with the image', async () => {
    const image = await createImage(tokens.demo, { os_distro: 'cirros', tags: ['a'] });
    const reply = await patch(tokens.demo, image.id, [
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'replace', path: '/min_ram', value: 128 },
      { op: 'add', path: '/hw_disk_bus', value: 'scsi' },
      { op: 'remove', path: '/os_distro' },
      { op: 'replace', path: '/tags', value: ['b', 'c'] },
      { op: 'replace', path: '/visibility', value: 'community' },
      { op: 'replace', path: '/protected', value: true },
      { op: 'replace', path: '/disk_format', value: 'qcow2' },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      name: 'renamed',
      min_ram: 128,
      hw_disk_bus: 'scsi',
      tags: ['b', 'c'],
      visibility: 'community',
      protected: true,
      disk_format: 'qcow2',
    });
    expect(reply.json.os_distro).toBeUndefined();
    const shown = await call('GET', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(shown.json).toEqual(reply.json);

    // Tags also have their own calls (openstacksdk's add_tag and remove_tag).
    expect((await call('PUT', `/image/v2/images/${image.id}/tags/d`, { token: tokens.demo })).status).toBe(204);
    expect((await call('DELETE', `/image/v2/images/${image.id}/tags/b`, { token: tokens.demo })).status).toBe(204);
    const tagged = await call('GET', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(tagged.json.tags).toEqual(['c', 'd']);
    expect((await call('DELETE', `/image/v2/images/${image.id}/tags/b`, { token: tokens.demo })).status).toBe(404);
  });

  it("answers Glance's errors: 415, 400, 403, 409, 404", async () => {
    const image = await uploadedImage(tokens.demo, randomBytes(16));
    const unsupported = await patch(
      tokens.demo,
      image.id,
      [{ op: 'replace', path: '/name', value: 'x' }],
      'application/json',
    );
    expect(unsupported.status).toBe(415);
    expect(unsupported.headers.get('accept-patch')).toBe(
      'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch',
    );
    expect(unsupported.json).toEqual({
      message:
        'The request media type application/json is not supported by this server.\n<br /><br />\n' +
        'Image PATCH expects Content-Type one of: application/openstack-images-v2.0-json-patch, ' +
        'application/openstack-images-v2.1-json-patch',
      code: '415 Unsupported Media Type',
      title: 'Unsupported Media Type',
    });

    const badValue = await patch(tokens.demo, image.id, [{ op: 'replace', path: '/min_ram', value: 'lots' }]);
    expect(badValue.status).toBe(400);
    expect(badValue.json).toEqual(
      glanceError(
        '400 Bad Request',
        'Bad Request',
        "Provided object does not match schema 'image': 'lots' is not of type 'integer'",
      ),
    );
    const notArray = await patch(tokens.demo, image.id, { op: 'add' } as unknown as unknown[]);
    expect(notArray.json.message).toContain('Request body must be a JSON array of operation objects.');
    const malformed = await call('PATCH', `/image/v2/images/${image.id}`, {
      token: tokens.demo,
      body: '[{"op": ',
      contentType: PATCH_TYPE,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual(glanceError('400 Bad Request', 'Bad Request', 'Malformed JSON in request body.'));

    const readOnly = await patch(tokens.demo, image.id, [{ op: 'replace', path: '/status', value: 'queued' }]);
    expect(readOnly.status).toBe(403);
    expect(readOnly.json).toEqual(glanceError('403 Forbidden', 'Forbidden', "Attribute 'status' is read-only."));
    const removeCore = await patch(tokens.demo, image.id, [{ op: 'remove', path: '/name' }]);
    expect(removeCore.status).toBe(403);
    expect(removeCore.json).toEqual({
      message: 'Access was denied to this resource.<br /><br />\nProperty name may not be removed.\n\n',
      code: '403 Forbidden',
      title: 'Forbidden',
    });
    const format = await patch(tokens.demo, image.id, [{ op: 'replace', path: '/disk_format', value: 'qcow2' }]);
    expect(format.status).toBe(403);
    expect(format.json.message).toContain('Attribute disk_format can be only replaced for a queued image.');
    const publicize = await patch(tokens.demo, image.id, [{ op: 'replace', path: '/visibility', value: 'public' }]);
    expect(publicize.status).toBe(403);
    expect(publicize.json).toEqual(
      glanceError('403 Forbidden', 'Forbidden', 'You are not authorized to complete publicize_image action.'),
    );

    const missing = await patch(tokens.demo, image.id, [{ op: 'replace', path: '/color', value: 'red' }]);
    expect(missing.status).toBe(409);
    expect(missing.json).toEqual({
      message:
        'There was a conflict when trying to complete your request.<br /><br />\nProperty color does not exist.\n\n',
      code: '409 Conflict',
      title: 'Conflict',
    });

    const unknown = await patch(tokens.demo, '00000000-0000-4000-8000-000000000000', [
      { op: 'replace', path: '/name', value: 'x' },
    ]);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(
      glanceError('404 Not Found', 'Not Found', 'No image found with ID 00000000-0000-4000-8000-000000000000'),
    );
  });
});

describe('delete', () => {
  it('marks the image deleted and removes its bytes from the store', async () => {
    const data = randomBytes(2048);
    const sha256 = digest('sha256', data);
    const image = await uploadedImage(tokens.demo, data);
    expect(await stack.images.has(sha256)).toBe(true);

    const reply = await call('DELETE', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(reply.status).toBe(204);
    expect(await stack.images.has(sha256)).toBe(false);
    const [row] = await stack.sql`SELECT status FROM images WHERE id = ${image.id}`;
    expect(row!['status']).toBe('deleted');
    const gone = await call('GET', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual(glanceError('404 Not Found', 'Not Found', `No image found with ID ${image.id}`));
    const again = await call('DELETE', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(again.status).toBe(404);
    expect(again.json).toEqual(glanceError('404 Not Found', 'Not Found', `Failed to find image ${image.id} to delete`));
  });

  it('keeps bytes another live image shares until the last one is deleted', async () => {
    const data = randomBytes(4096);
    const sha256 = digest('sha256', data);
    const first = await uploadedImage(tokens.demo, data);
    const second = await uploadedImage(tokens.alt, data);
    const rows = await stack.sql`SELECT store_sha256 FROM images WHERE id IN (${first.id}, ${second.id})`;
    expect(rows.map((r) => r['store_sha256'])).toEqual([sha256, sha256]);

    expect((await call('DELETE', `/image/v2/images/${first.id}`, { token: tokens.demo })).status).toBe(204);
    expect(await stack.images.has(sha256)).toBe(true);
    const stillThere = await call('GET', `/image/v2/images/${second.id}/file`, { token: tokens.alt });
    expect(stillThere.bytes.equals(data)).toBe(true);

    expect((await call('DELETE', `/image/v2/images/${second.id}`, { token: tokens.alt })).status).toBe(204);
    expect(await stack.images.has(sha256)).toBe(false);
  });

  it('refuses to delete a protected image with 403 until it is unprotected', async () => {
    const image = await createImage(tokens.demo, { protected: true });
    const refused = await call('DELETE', `/image/v2/images/${image.id}`, { token: tokens.demo });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual(
      glanceError('403 Forbidden', 'Forbidden', `Image ${image.id} is protected and cannot be deleted.`),
    );
    expect((await patch(tokens.demo, image.id, [{ op: 'replace', path: '/protected', value: false }])).status).toBe(
      200,
    );
    expect((await call('DELETE', `/image/v2/images/${image.id}`, { token: tokens.demo })).status).toBe(204);
  });
});

describe('visibility between projects', () => {
  it("hides a project's private image from another project (404 everywhere) but not from an admin", async () => {
    const data = randomBytes(512);
    const image = await uploadedImage(tokens.demo, data, { visibility: 'private' });
    const notFound = glanceError('404 Not Found', 'Not Found', `No image found with ID ${image.id}`);

    const show = await call('GET', `/image/v2/images/${image.id}`, { token: tokens.alt });
    expect(show.status).toBe(404);
    expect(show.json).toEqual(notFound);
    expect((await call('GET', `/image/v2/images/${image.id}/file`, { token: tokens.alt })).status).toBe(404);
    const patched = await patch(tokens.alt, image.id, [{ op: 'replace', path: '/name', value: 'mine' }]);
    expect(patched.status).toBe(404);
    expect((await call('DELETE', `/image/v2/images/${image.id}`, { token: tokens.alt })).status).toBe(404);
    expect((await upload(tokens.alt, image.id, randomBytes(4))).status).toBe(404);

    const admin = await call('GET', `/image/v2/images/${image.id}/file`, { token: tokens.admin });
    expect(admin.bytes.equals(data)).toBe(true);
  });

  it('lets another project see and download a community image but not change or delete it (403)', async () => {
    const data = randomBytes(256);
    const image = await uploadedImage(tokens.demo, data, { visibility: 'community' });
    const show = await call('GET', `/image/v2/images/${image.id}`, { token: tokens.alt });
    expect(show.status).toBe(200);
    expect((await call('GET', `/image/v2/images/${image.id}/file`, { token: tokens.alt })).bytes.equals(data)).toBe(
      true,
    );

    const patched = await patch(tokens.alt, image.id, [{ op: 'replace', path: '/name', value: 'mine' }]);
    expect(patched.status).toBe(403);
    expect(patched.json).toEqual(
      glanceError('403 Forbidden', 'Forbidden', 'You are not authorized to complete modify_image action.'),
    );
    const deleted = await call('DELETE', `/image/v2/images/${image.id}`, { token: tokens.alt });
    expect(deleted.status).toBe(403);
    expect(deleted.json).toEqual(
      glanceError('403 Forbidden', 'Forbidden', 'You are not authorized to complete delete_image action.'),
    );
  });

  it('lets only an admin create public images or images for another project', async () => {
    const pub = await call('POST', '/image/v2/images', {
      token: tokens.demo,
      json: { name: 'p', visibility: 'public' },
    });
    expect(pub.status).toBe(403);
    expect(pub.json).toEqual(
      glanceError('403 Forbidden', 'Forbidden', 'You are not authorized to complete publicize_image action.'),
    );
    const foreign = await call('POST', '/image/v2/images', { token: tokens.demo, json: { owner: projects.alt } });
    expect(foreign.status).toBe(403);
    const admin = await createImage(tokens.admin, { visibility: 'public', owner: projects.alt });
    expect(admin).toMatchObject({ visibility: 'public', owner: projects.alt });
  });
});

describe('errors', () => {
  it('answers 400 for a create body the image schema refuses, never a 500', async () => {
    const cases: [unknown, string][] = [
      [{ name: 1 }, "Provided object does not match schema 'image': 1 is not of type 'string'"],
      [{ min_disk: -1 }, "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value"],
      [{ disk_format: 'exe' }, expect.stringContaining("'exe' is not one of") as unknown as string],
      [{ color: ['red'] }, "Provided object does not match schema 'image': ['red'] is not of type 'string'"],
      [
        { id: 'x' },
        expect.stringContaining(
          "Provided object does not match schema 'image': 'x' does not match",
        ) as unknown as string,
      ],
      ['name', 'Unexpected body type. Expected list/dict.'],
    ];
    for (const [json, message] of cases) {
      const reply = await call('POST', '/image/v2/images', { token: tokens.demo, json });
      expect(reply.status).toBe(400);
      expect(reply.json.code).toBe('400 Bad Request');
      expect(reply.json.message.replace(/<br \/><br \/>\n\n\n$/, '')).toEqual(message);
    }
    const malformed = await call('POST', '/image/v2/images', {
      token: tokens.demo,
      body: '{"name": ',
      contentType: 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual(glanceError('400 Bad Request', 'Bad Request', 'Malformed JSON in request body.'));
    const readOnly = await call('POST', '/image/v2/images', { token: tokens.demo, json: { status: 'active' } });
    expect(readOnly.status).toBe(403);
    expect(readOnly.json).toEqual(glanceError('403 Forbidden', 'Forbidden', "Attribute 'status' is read-only."));
  });

  it('answers 400 or 404 for input PostgreSQL cannot take, never a 500', async () => {
    const undecodable =
      'Error decoding your request. Either the URL or the request body contained characters that could not be ' +
      'decoded by Glance';
    const nul = await call('POST', '/image/v2/images', { token: tokens.demo, json: { name: 'a\u0000b' } });
    expect(nul.status).toBe(400);
    expect(nul.json).toEqual(glanceError('400 Bad Request', 'Bad Request', undecodable));
    const image = await createImage(tokens.demo);
    const nulProperty = await patch(tokens.demo, image.id, [{ op: 'add', path: '/k', value: '\u0000' }]);
    expect(nulProperty.status).toBe(400);
    expect((await call('PUT', `/image/v2/images/${image.id}/tags/a%00b`, { token: tokens.demo })).status).toBe(400);
    expect((await call('GET', '/image/v2/images?name=a%00b', { token: tokens.demo })).status).toBe(400);
    expect((await call('GET', '/image/v2/images?k%00=v', { token: tokens.demo })).status).toBe(400);
    expect((await call('GET', '/image/v2/images?size_min=99999999999999999999', { token: tokens.demo })).status).toBe(
      400,
    );
    const huge = await call('GET', '/image/v2/images?min_ram_min=9007199254740991&limit=99999999999', {
      token: tokens.demo,
    });
    expect(huge.status).toBe(200);
    expect(huge.json.images).toEqual([]);

    const notUuid = 'not-a-uuid';
    const patched = await patch(tokens.demo, notUuid, [{ op: 'replace', path: '/name', value: 'x' }]);
    expect(patched.status).toBe(404);
    expect(patched.json).toEqual(glanceError('404 Not Found', 'Not Found', `No image found with ID ${notUuid}`));
    const deleted = await call('DELETE', `/image/v2/images/${notUuid}`, { token: tokens.demo });
    expect(deleted.json).toEqual(
      glanceError('404 Not Found', 'Not Found', `Failed to find image ${notUuid} to delete`),
    );
    expect((await call('PUT', `/image/v2/images/${notUuid}/tags/x`, { token: tokens.demo })).status).toBe(404);
    expect((await call('DELETE', `/image/v2/images/${notUuid}/tags/x`, { token: tokens.demo })).status).toBe(404);
    expect((await upload(tokens.demo, notUuid, randomBytes(4))).status).toBe(404);
    expect((await call('GET', `/image/v2/images/${notUuid}/file`, { token: tokens.demo })).status).toBe(404);
  });

  it('answers 409 for an id that is taken, even by a deleted image', async () => {
    const image = await createImage(tokens.demo);
    const taken = await call('POST', '/image/v2/images', { token: tokens.demo, json: { id: image.id } });
    expect(taken.status).toBe(409);
    expect(taken.json).toEqual(glanceError('409 Conflict', 'Conflict', `Image ID ${image.id} already exists!`));
    expect((await call('DELETE', `/image/v2/images/${image.id}`, { token: tokens.demo })).status).toBe(204);
    const reused = await call('POST', '/image/v2/images', { token: tokens.demo, json: { id: image.id } });
    expect(reused.status).toBe(409);
  });

  it('answers 404 for unknown images and paths, 405 for a wrong method', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const reply = await call('GET', `/image/v2/images/${id}`, { token: tokens.demo });
      expect(reply.status).toBe(404);
      expect(reply.json).toEqual(glanceError('404 Not Found', 'Not Found', `No image found with ID ${id}`));
    }
    const path404 = await call('GET', '/image/v2/nothing', { token: tokens.demo });
    expect(path404.status).toBe(404);
    expect(path404.json).toEqual(glanceError('404 Not Found', 'Not Found', 'The resource could not be found.'));
    const method = await call('PUT', '/image/v2/images', { token: tokens.demo, json: {} });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET, POST');
  });

  it('answers upload errors: 415 without octet-stream, 400 without formats, in plain text for Accept: ""', async () => {
    const image = await createImage(tokens.demo);
    const wrongType = await call('PUT', `/image/v2/images/${image.id}/file`, {
      token: tokens.demo,
      body: 'abc',
      contentType: 'text/plain',
      accept: '',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(wrongType.text).toBe(
      '415 Unsupported Media Type\n\nThe request media type text/plain is not supported by this server. \n\n Invalid content type text/plain',
    );

    const bare = await call('POST', '/image/v2/images', { token: tokens.demo, json: { name: 'no-formats' } });
    const noFormats = await upload(tokens.demo, bare.json.id, randomBytes(8));
    expect(noFormats.status).toBe(400);
    expect(noFormats.text).toContain('Properties disk_format, container_format must be set prior to saving data.');
    const shown = await call('GET', `/image/v2/images/${bare.json.id}`, { token: tokens.demo });
    expect(shown.json.status).toBe('queued');
  });
});

describe('booting from an uploaded image', () => {
  it("boots a server whose disk is exactly the uploaded bytes; a queued or another project's image is a 400", async () => {
    const data = randomBytes(256 * 1024);
    const image = await uploadedImage(tokens.demo, data, { name: 'boot-me' });
    const nova = new ApiClient(stack.baseUrl).as(tokens.demo);
    const id = await nova.createServer({ name: 'from-upload', imageRef: image.id });
    const server = await nova.waitForStatus(id, 'ACTIVE');
    expect(server.image.id).toBe(image.id);
    // The host attribute is for admins only.
    const asAdmin = await new ApiClient(stack.baseUrl).as(tokens.admin).get(`/v2.1/servers/${id}`);
    const host = asAdmin.body.server['OS-EXT-SRV-ATTR:host'] as string;
    expect(host).toBe('host-a');
    expect(await stack.hypervisor(host).diskChecksum(id)).toBe(digest('sha256', data));

    const queued = await createImage(tokens.demo, { name: 'not-yet' });
    const notActive = await nova.post('/v2.1/servers', {
      server: { name: 'x', flavorRef: '1', imageRef: queued.id, networks: 'none' },
    });
    expect(notActive.status).toBe(400);
    expect(notActive.body).toEqual({ badRequest: { code: 400, message: `Image ${queued.id} is not active.` } });

    const foreign = await uploadedImage(tokens.alt, randomBytes(64), { visibility: 'private' });
    const hidden = await nova.post('/v2.1/servers', {
      server: { name: 'x', flavorRef: '1', imageRef: foreign.id, networks: 'none' },
    });
    expect(hidden.status).toBe(400);
    expect(hidden.body).toEqual({ badRequest: { code: 400, message: 'Can not find requested image' } });

    await nova.delete(`/v2.1/servers/${id}`);
    await nova.waitForGone(id);
  });
});
