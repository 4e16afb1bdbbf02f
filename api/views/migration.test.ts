import type { ApiVersion } from '../microversion';
import {
  flavorIntegerId,
  isLiveMigrationInProgress,
  migrationView,
  migrationsListSchema,
  serverMigrationBodySchema,
  serverMigrationView,
  serverMigrationsListSchema,
  type MigrationViewRow,
} from './migration';

const at = (minor: number): ApiVersion => ({ major: 2, minor });
const ROOT = 'http://nova.test';
const INSTANCE = '4bf3473b-d550-4b65-9409-292d44ab14a2';

const resize: MigrationViewRow = {
  id: '7',
  uuid: '0d1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d',
  instance_uuid: INSTANCE,
  migration_type: 'resize',
  status: 'reverted',
  source_compute: 'host-a',
  source_node: 'host-a',
  dest_compute: 'host-b',
  dest_node: 'host-b',
  dest_host: 'host-b',
  user_id: 'admin',
  project_id: 'admin',
  created_at: new Date('2024-01-02T03:04:05.678Z'),
  updated_at: new Date('2024-01-02T03:05:00Z'),
  old_flavor_id: '1',
  new_flavor_id: '2',
  memory_total_bytes: null,
  memory_processed_bytes: null,
  memory_remaining_bytes: null,
  disk_total_bytes: null,
  disk_processed_bytes: null,
  disk_remaining_bytes: null,
};
const live: MigrationViewRow = { ...resize, id: '8', migration_type: 'live-migration', status: 'running' };

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
const keys = (body: Record<string, unknown>) => Object.keys(body).sort();

describe('flavorIntegerId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['m1.tiny', null],
    ['-1', null],
    ['', null],
    ['99999999999999999999', null],
    [null, null],
  ])('reads flavor id %p as %p', (id, expected) => {
    expect(flavorIntegerId(id)).toBe(expected);
  });
});

describe('migrationView', () => {
  it("shows Nova's 2.1 fields: integer ids, flavor ids as integers, microsecond times", () => {
    expect(migrationView(resize, { version: at(1), baseUrl: ROOT })).toEqual({
      id: 7,
      instance_uuid: INSTANCE,
      source_compute: 'host-a',
      source_node: 'host-a',
      dest_compute: 'host-b',
      dest_node: 'host-b',
      dest_host: 'host-b',
      old_instance_type_id: 1,
      new_instance_type_id: 2,
      status: 'reverted',
      created_at: '2024-01-02T03:04:05.678000',
      updated_at: '2024-01-02T03:05:00.000000',
    });
  });

  it('adds migration_type at 2.23 and no links for anything but an in-progress live migration', () => {
    const body = migrationView(resize, { version: at(23), baseUrl: ROOT });
    expect(keys(body)).toEqual([...BASE_FIELDS, 'migration_type'].sort());
    expect(body['migration_type']).toBe('resize');
    const done = migrationView({ ...live, status: 'completed' }, { version: at(23), baseUrl: ROOT });
    expect(done).not.toHaveProperty('links');
  });

  it('links an in-progress live migration to its server-scoped view from 2.23 only', () => {
    expect(migrationView(live, { version: at(22), baseUrl: ROOT })).not.toHaveProperty('links');
    expect(migrationView(live, { version: at(23), baseUrl: ROOT })['links']).toEqual([
      { rel: 'self', href: `${ROOT}/v2.1/servers/${INSTANCE}/migrations/8` },
      { rel: 'bookmark', href: `${ROOT}/servers/${INSTANCE}/migrations/8` },
    ]);
  });

  it('adds uuid at 2.59, user_id and project_id at 2.80', () => {
    const v259 = migrationView(resize, { version: at(59), baseUrl: ROOT });
    expect(keys(v259)).toEqual([...BASE_FIELDS, 'migration_type', 'uuid'].sort());
    expect(v259['uuid']).toBe(resize.uuid);
    const v280 = migrationView(resize, { version: at(80), baseUrl: ROOT });
    expect(keys(v280)).toEqual([...BASE_FIELDS, 'migration_type', 'uuid', 'user_id', 'project_id'].sort());
    expect(v280).toMatchObject({ user_id: 'admin', project_id: 'admin' });
  });

  it('shows null instance type ids for flavors without a numeric id', () => {
    const body = migrationView({ ...resize, old_flavor_id: 'custom' }, { version: at(1), baseUrl: ROOT });
    expect(body['old_instance_type_id']).toBeNull();
  });

  it.each([1, 22, 23, 58, 59, 66, 79, 80, 100])("matches Nova's list schema at 2.%i", (minor) => {
    const version = at(minor);
    const migrations = [live, resize].map((row) => migrationView(row, { version, baseUrl: ROOT }));
    expect(() => migrationsListSchema(version).parse({ migrations })).not.toThrow();
  });

  it('fails the schemas of the neighbouring version ranges', () => {
    const view = (minor: number) => ({ migrations: [migrationView(resize, { version: at(minor), baseUrl: ROOT })] });
    expect(() => migrationsListSchema(at(23)).parse(view(22))).toThrow();
    expect(() => migrationsListSchema(at(22)).parse(view(23))).toThrow();
    expect(() => migrationsListSchema(at(58)).parse(view(59))).toThrow();
    expect(() => migrationsListSchema(at(79)).parse(view(80))).toThrow();
    expect(() => migrationsListSchema(at(80)).parse(view(79))).toThrow();
  });

  it('allows migrations_links from 2.59 only, with exactly one next link', () => {
    const next = [{ rel: 'next', href: `${ROOT}/v2.1/os-migrations?limit=1&marker=${resize.uuid}` }];
    expect(() => migrationsListSchema(at(59)).parse({ migrations: [], migrations_links: next })).not.toThrow();
    expect(() => migrationsListSchema(at(58)).parse({ migrations: [], migrations_links: next })).toThrow();
    expect(() => migrationsListSchema(at(59)).parse({ migrations: [], migrations_links: [] })).toThrow();
  });
});

describe('serverMigrationView', () => {
  it('names the server and leaves the memory and disk counters null until they are recorded', () => {
    expect(serverMigrationView(live, at(23))).toEqual({
      id: 8,
      server_uuid: INSTANCE,
      source_compute: 'host-a',
      source_node: 'host-a',
      dest_compute: 'host-b',
      dest_node: 'host-b',
      dest_host: 'host-b',
      status: 'running',
      memory_total_bytes: null,
      memory_processed_bytes: null,
      memory_remaining_bytes: null,
      disk_total_bytes: null,
      disk_processed_bytes: null,
      disk_remaining_bytes: null,
      created_at: '2024-01-02T03:04:05.678000',
      updated_at: '2024-01-02T03:05:00.000000',
    });
  });

  it('adds uuid at 2.59 and user_id and project_id at 2.80', () => {
    expect(serverMigrationView(live, at(58))).not.toHaveProperty('uuid');
    expect(serverMigrationView(live, at(59))['uuid']).toBe(live.uuid);
    expect(serverMigrationView(live, at(79))).not.toHaveProperty('user_id');
    expect(serverMigrationView(live, at(80))).toMatchObject({ user_id: 'admin', project_id: 'admin' });
  });

  it.each([23, 58, 59, 79, 80, 100])("matches Nova's server migration schemas at 2.%i", (minor) => {
    const version = at(minor);
    const migration = serverMigrationView(live, version);
    expect(() => serverMigrationsListSchema(version).parse({ migrations: [migration] })).not.toThrow();
    expect(() => serverMigrationBodySchema(version).parse({ migration })).not.toThrow();
  });

  it('fails the schema with zero byte counters, which Nova never sends', () => {
    const migration = { ...serverMigrationView(live, at(23)), memory_total_bytes: 0 };
    expect(() => serverMigrationBodySchema(at(23)).parse({ migration })).toThrow();
  });

  it('fails the 2.80 schema without the owner fields', () => {
    expect(() => serverMigrationBodySchema(at(80)).parse({ migration: serverMigrationView(live, at(79)) })).toThrow();
  });
});

describe('isLiveMigrationInProgress', () => {
  it.each([
    ['live-migration', 'queued', true],
    ['live-migration', 'preparing', true],
    ['live-migration', 'running', true],
    ['live-migration', 'post-migrating', true],
    ['live-migration', 'accepted', false],
    ['live-migration', 'completed', false],
    ['resize', 'post-migrating', false],
    ['migration', 'running', false],
  ])('counts a %s in status %s as in progress: %s', (migration_type, status, expected) => {
    expect(isLiveMigrationInProgress({ migration_type, status })).toBe(expected);
  });
});
