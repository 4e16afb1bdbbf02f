import { randomUUID } from 'node:crypto';
import { migrationsListSchema, serverMigrationBodySchema, serverMigrationsListSchema } from '../../api/views/migration';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, expectNovaError } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// The migration records over HTTP: GET /os-migrations and /servers/{id}/migrations after a cold migrate that
// was confirmed and a resize that was reverted. Sizes fix the scheduler's order as in resize.test.ts: creates
// land on host-a, moves from host-a go to host-b.
let stack: TestStack;
let admin: ApiClient;
let alice: ApiClient;
/** Migrated to host-b and confirmed. */
let moved: string;
/** Resized to flavor 2 on host-b and reverted to host-a. */
let grown: string;
let movedMigration: { id: number; uuid: string };
let grownMigration: { id: number; uuid: string };

const at = (minor: number) => ({ major: 2, minor });
const mv = (client: ApiClient, version: string) =>
  client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const BASE_FIELDS = [
  'created_at',
  'dest_compute',
  'dest_host',
  'dest_node',
  'id',
  'instance_uuid',
  'new_instance_type_id',
  'old_instance_type_id',
  'source_compute',
  'source_node',
  'status',
  'updated_at',
];

async function migrations(version: string, query = ''): Promise<any> {
  const reply = await mv(admin, version).get(`/v2.1/os-migrations${query}`);
  expect(reply.status).toBe(200);
  expect(() => migrationsListSchema(at(Number(version.split('.')[1]))).parse(reply.body)).not.toThrow();
  return reply.body;
}

const instancesOf = (body: any) => body.migrations.map((m: any) => m.instance_uuid);

async function waitForMigrationStatus(instanceUuid: string, status: string): Promise<void> {
  await waitFor(`the migration of ${instanceUuid} to be ${status}`, async () => {
    const reply = await admin.get(`/v2.1/os-migrations?instance_uuid=${instanceUuid}`);
    return reply.body.migrations[0]?.status === status;
  });
}

async function activeServer(client: ApiClient, name: string): Promise<string> {
  const id = await client.createServer({ name });
  await client.waitForStatus(id, 'ACTIVE');
  return id;
}

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 },
      { name: 'host-b', vcpus: 32, memoryMb: 32768, diskGb: 1000 },
      { name: 'host-c', vcpus: 16, memoryMb: 16384, diskGb: 500 },
    ],
  });
  admin = new ApiClient(stack.baseUrl);
  alice = admin.as('alice:proj');

  moved = await activeServer(admin, 'mover');
  expect((await admin.action(moved, { migrate: null })).status).toBe(202);
  await admin.waitForStatus(moved, 'VERIFY_RESIZE');
  expect((await admin.action(moved, { confirmResize: null })).status).toBe(204);
  await waitForMigrationStatus(moved, 'confirmed');

  grown = await activeServer(admin, 'grower');
  expect((await admin.action(grown, { resize: { flavorRef: '2' } })).status).toBe(202);
  await admin.waitForStatus(grown, 'VERIFY_RESIZE');
  expect((await admin.action(grown, { revertResize: null })).status).toBe(202);
  await waitForMigrationStatus(grown, 'reverted');
  await admin.waitForStatus(grown, 'ACTIVE');

  const rows = await stack.sql<{ id: string; uuid: string; instance_uuid: string }[]>`
    SELECT id, uuid, instance_uuid FROM server_migrations ORDER BY id`;
  expect(rows.map((r) => r.instance_uuid)).toEqual([moved, grown]);
  [movedMigration, grownMigration] = rows.map((r) => ({ id: Number(r.id), uuid: r.uuid })) as [
    { id: number; uuid: string },
    { id: number; uuid: string },
  ];
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('GET /os-migrations', () => {
  it("lists both moves newest first in Nova's 2.1 shape", async () => {
    const body = await migrations('2.1');
    expect(Object.keys(body)).toEqual(['migrations']);
    const [resize, migrate] = body.migrations;
    for (const m of body.migrations) {
      expect(Object.keys(m).sort()).toEqual(BASE_FIELDS);
      expect(m.created_at).toMatch(PERFECT_TIME);
      expect(m.updated_at).toMatch(PERFECT_TIME);
    }
    expect(resize).toMatchObject({
      id: grownMigration.id,
      instance_uuid: grown,
      source_compute: 'host-a',
      source_node: 'host-a',
      dest_compute: 'host-b',
      dest_node: 'host-b',
      dest_host: 'host-b',
      old_instance_type_id: 1,
      new_instance_type_id: 2,
      status: 'reverted',
    });
    expect(migrate).toMatchObject({
      id: movedMigration.id,
      instance_uuid: moved,
      source_compute: 'host-a',
      dest_compute: 'host-b',
      old_instance_type_id: 1,
      new_instance_type_id: 1,
      status: 'confirmed',
    });
  });

  it('adds migration_type at 2.23, without links for finished cold moves', async () => {
    const body = await migrations('2.23');
    for (const m of body.migrations) {
      expect(Object.keys(m).sort()).toEqual([...BASE_FIELDS, 'migration_type'].sort());
    }
    expect(body.migrations.map((m: any) => [m.migration_type, m.status])).toEqual([
      ['resize', 'reverted'],
      ['migration', 'confirmed'],
    ]);
  });

  it('ignores unknown, paging and changes-since parameters before 2.59', async () => {
    const body = await migrations('2.58', '?foo=bar&limit=1&marker=nope&changes-since=2999-01-01T00:00:00Z');
    expect(instancesOf(body)).toEqual([grown, moved]);
    expect(body).not.toHaveProperty('migrations_links');
  });

  it('adds uuid at 2.59 and pages by migration uuid, with a next link on each full page', async () => {
    const all = await migrations('2.59');
    expect(all.migrations.map((m: any) => m.uuid)).toEqual([grownMigration.uuid, movedMigration.uuid]);
    expect(Object.keys(all.migrations[0]).sort()).toEqual([...BASE_FIELDS, 'migration_type', 'uuid'].sort());
    expect(all).not.toHaveProperty('migrations_links');

    const first = await migrations('2.59', '?limit=1');
    expect(instancesOf(first)).toEqual([grown]);
    const firstNext = `${stack.baseUrl}/v2.1/os-migrations?limit=1&marker=${grownMigration.uuid}`;
    expect(first.migrations_links).toEqual([{ rel: 'next', href: firstNext }]);

    const second = await migrations('2.59', firstNext.slice(firstNext.indexOf('?')));
    expect(instancesOf(second)).toEqual([moved]);
    const secondNext = `${stack.baseUrl}/v2.1/os-migrations?limit=1&marker=${movedMigration.uuid}`;
    expect(second.migrations_links).toEqual([{ rel: 'next', href: secondNext }]);

    const last = await migrations('2.59', secondNext.slice(secondNext.indexOf('?')));
    expect(last).toEqual({ migrations: [] });
  });

  it('answers 400 to an unknown marker, an unknown parameter or a bad limit from 2.59', async () => {
    const v259 = mv(admin, '2.59');
    expectNovaError(
      await v259.get(`/v2.1/os-migrations?marker=${UNKNOWN_UUID}`),
      400,
      'badRequest',
      `Marker ${UNKNOWN_UUID} could not be found.`,
    );
    expectNovaError(
      await v259.get('/v2.1/os-migrations?marker=nope'),
      400,
      'badRequest',
      'Marker nope could not be found.',
    );
    expectNovaError(
      await v259.get('/v2.1/os-migrations?user_id=admin'),
      400,
      'badRequest',
      "Additional properties are not allowed ('user_id' was unexpected)",
    );
    expectNovaError(
      await v259.get('/v2.1/os-migrations?limit=-1'),
      400,
      'badRequest',
      "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'",
    );
  });

  it('filters by changes-since from 2.59 and changes-before from 2.66', async () => {
    expect((await migrations('2.59', '?changes-since=2999-01-01T00:00:00Z')).migrations).toEqual([]);
    expect(instancesOf(await migrations('2.59', '?changes-since=2000-01-01T00:00:00Z'))).toEqual([grown, moved]);
    expectNovaError(
      await mv(admin, '2.65').get('/v2.1/os-migrations?changes-before=2000-01-01T00:00:00Z'),
      400,
      'badRequest',
      "Additional properties are not allowed ('changes-before' was unexpected)",
    );
    expect((await migrations('2.66', '?changes-before=2000-01-01T00:00:00Z')).migrations).toEqual([]);
    expect(instancesOf(await migrations('2.66', '?changes-before=2999-01-01T00:00:00Z'))).toEqual([grown, moved]);
    expectNovaError(
      await mv(admin, '2.66').get(
        '/v2.1/os-migrations?changes-since=2999-01-01T00:00:00Z&changes-before=2000-01-01T00:00:00Z',
      ),
      400,
      'badRequest',
      'The value of changes-since must be less than or equal to changes-before.',
    );
  });

  it('shows and filters by user_id and project_id from 2.80', async () => {
    const body = await migrations('2.80');
    for (const m of body.migrations) {
      expect(Object.keys(m).sort()).toEqual([...BASE_FIELDS, 'migration_type', 'uuid', 'user_id', 'project_id'].sort());
      expect(m).toMatchObject({ user_id: 'admin', project_id: 'admin' });
    }
    expect(instancesOf(await migrations('2.80', '?user_id=admin&project_id=admin'))).toEqual([grown, moved]);
    expect((await migrations('2.80', '?user_id=alice')).migrations).toEqual([]);
    expect((await migrations('2.80', '?project_id=proj')).migrations).toEqual([]);
  });

  // `moved` and `grown` stand for the two servers' uuids.
  it.each([
    ['instance_uuid', 'moved', ['moved']],
    ['instance_uuid', UNKNOWN_UUID, []],
    ['instance_uuid', 'not-a-uuid', []],
    ['status', 'reverted', ['grown']],
    ['status', 'confirmed', ['moved']],
    ['status', 'error', []],
    ['host', 'host-b', ['grown', 'moved']],
    ['host', 'host-c', []],
    ['source_compute', 'host-a', ['grown', 'moved']],
    ['source_compute', 'host-b', []],
    ['migration_type', 'resize', ['grown']],
    ['migration_type', 'migration', ['moved']],
    ['migration_type', 'live-migration', []],
    ['hidden', '1', []],
    ['hidden', 'false', ['grown', 'moved']],
  ])('filters by %s=%s at 2.1 and 2.59', async (name, value, expected) => {
    const server = (text: string) => (text === 'moved' ? moved : text === 'grown' ? grown : text);
    for (const version of ['2.1', '2.59']) {
      const body = await migrations(version, `?${name}=${encodeURIComponent(server(value))}`);
      expect(instancesOf(body)).toEqual(expected.map(server));
    }
  });

  it('combines filters: host overrides source_compute as in Nova', async () => {
    expect(instancesOf(await migrations('2.23', '?host=host-b&source_compute=host-c'))).toEqual([grown, moved]);
    expect(instancesOf(await migrations('2.23', `?status=reverted&instance_uuid=${moved}`))).toEqual([]);
  });

  it('answers 403 to a non-admin at any version', async () => {
    for (const version of ['2.1', '2.59', '2.80']) {
      expectNovaError(
        await mv(alice, version).get('/v2.1/os-migrations'),
        403,
        'forbidden',
        "Policy doesn't allow os_compute_api:os-migrations:index to be performed.",
      );
    }
  });
});

describe('GET /servers/{id}/migrations', () => {
  it('lists no migrations for a server whose moves are all finished', async () => {
    for (const version of ['2.23', '2.59', '2.80']) {
      const reply = await mv(admin, version).get(`/v2.1/servers/${moved}/migrations`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ migrations: [] });
    }
  });

  it('answers 404 before 2.23, for an unknown server, and for a migration that is not a live one', async () => {
    expectNovaError(
      await mv(admin, '2.22').get(`/v2.1/servers/${moved}/migrations`),
      404,
      'itemNotFound',
      'The resource could not be found.',
    );
    expectNovaError(
      await mv(admin, '2.23').get(`/v2.1/servers/${UNKNOWN_UUID}/migrations`),
      404,
      'itemNotFound',
      `Instance ${UNKNOWN_UUID} could not be found.`,
    );
    expectNovaError(
      await mv(admin, '2.23').get(`/v2.1/servers/${UNKNOWN_UUID}/migrations/1`),
      404,
      'itemNotFound',
      `Instance ${UNKNOWN_UUID} could not be found.`,
    );
    for (const id of ['999999', 'abc', String(grownMigration.id)]) {
      expectNovaError(
        await mv(admin, '2.23').get(`/v2.1/servers/${moved}/migrations/${id}`),
        404,
        'itemNotFound',
        `In-progress live migration ${id} is not found for server ${moved}.`,
      );
    }
    expectNovaError(
      await mv(admin, '2.23').get(`/v2.1/servers/${moved}/migrations/${movedMigration.id}`),
      404,
      'itemNotFound',
      `Migration ${movedMigration.id} for server ${moved} is not live-migration.`,
    );
  });

  it("answers 403 to a non-admin on its own server and 404 on another project's", async () => {
    const own = await activeServer(alice, 'alices');
    const v223 = mv(alice, '2.23');
    expectNovaError(
      await v223.get(`/v2.1/servers/${own}/migrations`),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:servers:migrations:index to be performed.",
    );
    expectNovaError(
      await v223.get(`/v2.1/servers/${own}/migrations/1`),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:servers:migrations:show to be performed.",
    );
    expectNovaError(
      await v223.get(`/v2.1/servers/${moved}/migrations`),
      404,
      'itemNotFound',
      `Instance ${moved} could not be found.`,
    );
  });
});

// Nothing writes live migrations yet: a seeded row checks the read side that is ready for them.
describe('an in-progress live migration (seeded)', () => {
  let live: { id: number; uuid: string };

  beforeAll(async () => {
    const uuid = randomUUID();
    const [row] = await stack.sql<{ id: string }[]>`
      INSERT INTO server_migrations (uuid, instance_uuid, migration_type, status, source_compute, source_node,
                                     dest_compute, dest_node, dest_host, old_flavor, new_flavor, old_vm_state,
                                     user_id, project_id)
      SELECT ${uuid}, instance_uuid, 'live-migration', 'running', 'host-b', 'host-b', 'host-c', 'host-c', 'host-c',
             new_flavor, new_flavor, 'active', user_id, project_id
      FROM server_migrations WHERE uuid = ${movedMigration.uuid}
      RETURNING id`;
    live = { id: Number(row!.id), uuid };
  });

  it('links it to its server-scoped view in /os-migrations from 2.23', async () => {
    const [first] = (await migrations('2.23')).migrations;
    expect(first).toMatchObject({ id: live.id, migration_type: 'live-migration', status: 'running' });
    expect(first.links).toEqual([
      { rel: 'self', href: `${stack.baseUrl}/v2.1/servers/${moved}/migrations/${live.id}` },
      { rel: 'bookmark', href: `${stack.baseUrl}/servers/${moved}/migrations/${live.id}` },
    ]);
    expect((await migrations('2.1')).migrations[0]).not.toHaveProperty('links');
  });

  it("lists and shows it under the server in Nova's shape per version", async () => {
    for (const version of ['2.23', '2.59', '2.80']) {
      const list = await mv(admin, version).get(`/v2.1/servers/${moved}/migrations`);
      expect(list.status).toBe(200);
      expect(() => serverMigrationsListSchema(at(Number(version.split('.')[1]))).parse(list.body)).not.toThrow();
      const show = await mv(admin, version).get(`/v2.1/servers/${moved}/migrations/${live.id}`);
      expect(show.status).toBe(200);
      expect(() => serverMigrationBodySchema(at(Number(version.split('.')[1]))).parse(show.body)).not.toThrow();
      expect(list.body.migrations).toEqual([show.body.migration]);
    }
    const { migration } = (await mv(admin, '2.80').get(`/v2.1/servers/${moved}/migrations/${live.id}`)).body;
    expect(migration).toMatchObject({
      id: live.id,
      uuid: live.uuid,
      server_uuid: moved,
      source_compute: 'host-b',
      dest_compute: 'host-c',
      status: 'running',
      memory_total_bytes: null,
      disk_total_bytes: null,
      user_id: 'admin',
      project_id: 'admin',
    });
  });

  it('stops listing it once it completes', async () => {
    await stack.sql`UPDATE server_migrations SET status = 'completed' WHERE id = ${live.id}`;
    expect((await mv(admin, '2.23').get(`/v2.1/servers/${moved}/migrations`)).body).toEqual({ migrations: [] });
    expectNovaError(
      await mv(admin, '2.23').get(`/v2.1/servers/${moved}/migrations/${live.id}`),
      404,
      'itemNotFound',
      `Live migration ${live.id} for server ${moved} is not in progress.`,
    );
    expect((await migrations('2.23')).migrations[0]).not.toHaveProperty('links');
  });
});
