/**
 * The policy matrix: every compute API route (and every server action) with the status each kind of caller
 * gets, in keystone mode. Adding a route means adding a row here; policy-matrix.test.ts fails otherwise.
 *
 * Callers: `admin` (admin role), `member` (member of the project owning the target server), `other` (member of
 * another project), `none` (no token). Server-scoped calls use a server that never launched (ERROR, no host),
 * so an allowed write stops at Nova's state check (409) instead of changing anything.
 */
export type Caller = 'admin' | 'member' | 'other' | 'none';
export type Expected = Record<Caller, number>;

export interface Fixture {
  /** The member's server that never launched (metadata `k: v`). */
  server: string;
  /** The request id of that server's create action. */
  requestId: string;
  /** The member's project id. */
  projectId: string;
  /** A compute host's uuid (hypervisor and service id from 2.53). */
  hostId: string;
}

export interface MatrixRow {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The route as the router declares it (the coverage check matches on it). */
  route: string;
  /** For `POST /servers/:id/action`: the action key. */
  action?: string;
  url: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  version?: string;
  /** The caller runs on a server of its own that the member just created (delete). */
  freshServer?: boolean;
  expect: Expected;
}

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

/** Everyone with a token gets `status` (the rule lets any authenticated caller through). */
const anyone = (status: number): Expected => ({ admin: status, member: status, other: status, none: 401 });
/** The member's project (and admins) only; another project's caller is told the server does not exist. */
const ownServer = (status: number): Expected => ({ admin: status, member: status, other: 404, none: 401 });
/** Admins only, on the member's server: another project still gets 404 first. */
const adminOnServer = (status: number): Expected => ({ admin: status, member: 403, other: 404, none: 401 });
/** Admins only. */
const adminOnly = (status: number): Expected => ({ admin: status, member: 403, other: 403, none: 401 });

const server =
  (suffix = '') =>
  (f: Fixture) =>
    `/v2.1/servers/${f.server}${suffix}`;
const fixed = (url: string) => () => url;
const json = (body: unknown) => () => body;

function action(key: string, value: unknown, expect: Expected, version?: string): MatrixRow {
  return {
    method: 'POST',
    route: '/servers/:id/action',
    action: key,
    url: server('/action'),
    body: json({ [key]: value }),
    expect,
    ...(version ? { version } : {}),
  };
}

const serverRows: MatrixRow[] = [
  { method: 'GET', route: '/servers', url: fixed('/v2.1/servers'), expect: anyone(200) },
  { method: 'GET', route: '/servers/detail', url: fixed('/v2.1/servers/detail'), expect: anyone(200) },
  { method: 'GET', route: '/servers/:id', url: server(), expect: ownServer(200) },
  // Nova's update has no state check: the rename goes through, to the name the server already has.
  {
    method: 'PUT',
    route: '/servers/:id',
    url: server(),
    body: json({ server: { name: 'matrix' } }),
    expect: ownServer(200),
  },
  {
    method: 'POST',
    route: '/servers',
    url: fixed('/v2.1/servers'),
    body: json({ server: { name: 'x', flavorRef: 'no-such-flavor', imageRef: UNKNOWN_UUID, networks: 'none' } }),
    expect: anyone(400),
  },
  { method: 'DELETE', route: '/servers/:id', url: server(), freshServer: true, expect: ownServer(204) },
  action('os-stop', null, ownServer(409)),
  action('os-start', null, ownServer(409)),
  action('reboot', { type: 'SOFT' }, ownServer(409)),
  action('rebuild', { imageRef: UNKNOWN_UUID }, ownServer(409)),
  action('resize', { flavorRef: '2' }, ownServer(409)),
  action('confirmResize', null, ownServer(409)),
  action('revertResize', null, ownServer(409)),
  action('createImage', { name: 'snap' }, ownServer(409)),
  action('createBackup', { name: 'nightly', backup_type: 'daily', rotation: 1 }, ownServer(409)),
  // The shared server was never placed: no host has its console.
  action('os-getConsoleOutput', {}, ownServer(409)),
  action('trigger_crash_dump', null, ownServer(409), '2.17'),
  action('pause', null, ownServer(409)),
  action('unpause', null, ownServer(409)),
  action('suspend', null, ownServer(409)),
  action('resume', null, ownServer(409)),
  action('rescue', null, ownServer(409)),
  action('unrescue', null, ownServer(409)),
  action('shelve', null, ownServer(409)),
  action('shelveOffload', null, adminOnServer(409)),
  action('unshelve', null, ownServer(409)),
  action('migrate', null, adminOnServer(409)),
  action('os-migrateLive', { host: null, block_migration: 'auto' }, adminOnServer(409), '2.30'),
  // Evacuate checks the source host before the state: the never-placed server has none that is down.
  action('evacuate', {}, adminOnServer(400), '2.29'),
  action('changePassword', { adminPass: 'matrix-pw' }, ownServer(409)),
  action('restore', null, ownServer(409)),
  // No vm_state check: the server is deleted (a server of its own per caller).
  { ...action('forceDelete', null, ownServer(202)), freshServer: true },
  // No state check: the admin's reset lands (on a server of its own, so the shared one keeps its history).
  { ...action('os-resetState', { state: 'error' }, adminOnServer(202)), freshServer: true },
  // No state check; a server of its own per caller, so the shared one is never left locked.
  { ...action('lock', null, ownServer(202)), freshServer: true },
  { ...action('unlock', null, ownServer(202)), freshServer: true },
];

const serverSubRows: MatrixRow[] = [
  { method: 'GET', route: '/servers/:server_id/metadata', url: server('/metadata'), expect: ownServer(200) },
  { method: 'GET', route: '/servers/:server_id/metadata/:key', url: server('/metadata/k'), expect: ownServer(200) },
  {
    method: 'POST',
    route: '/servers/:server_id/metadata',
    url: server('/metadata'),
    body: json({ metadata: { a: 'b' } }),
    expect: ownServer(409),
  },
  {
    method: 'PUT',
    route: '/servers/:server_id/metadata',
    url: server('/metadata'),
    body: json({ metadata: { a: 'b' } }),
    expect: ownServer(409),
  },
  {
    method: 'PUT',
    route: '/servers/:server_id/metadata/:key',
    url: server('/metadata/k'),
    body: json({ meta: { k: 'w' } }),
    expect: ownServer(409),
  },
  { method: 'DELETE', route: '/servers/:server_id/metadata/:key', url: server('/metadata/k'), expect: ownServer(409) },
  {
    method: 'GET',
    route: '/servers/:server_id/os-server-password',
    url: server('/os-server-password'),
    expect: ownServer(200),
  },
  // Nova clears it in any state, so even the server that never launched gets its 204.
  {
    method: 'DELETE',
    route: '/servers/:server_id/os-server-password',
    url: server('/os-server-password'),
    expect: ownServer(204),
  },
  {
    method: 'GET',
    route: '/servers/:server_id/os-instance-actions',
    url: server('/os-instance-actions'),
    expect: ownServer(200),
  },
  {
    method: 'GET',
    route: '/servers/:server_id/os-instance-actions/:request_id',
    url: (f) => `/v2.1/servers/${f.server}/os-instance-actions/${f.requestId}`,
    expect: ownServer(200),
  },
  {
    method: 'GET',
    route: '/servers/:server_id/migrations',
    url: server('/migrations'),
    version: '2.23',
    expect: adminOnServer(200),
  },
  {
    method: 'GET',
    route: '/servers/:server_id/migrations/:migration_id',
    url: server('/migrations/1'),
    version: '2.23',
    expect: adminOnServer(404),
  },
  {
    method: 'DELETE',
    route: '/servers/:server_id/migrations/:migration_id',
    url: server('/migrations/1'),
    version: '2.24',
    expect: adminOnServer(404),
  },
  {
    method: 'POST',
    route: '/servers/:server_id/migrations/:migration_id/action',
    url: server('/migrations/1/action'),
    body: json({ force_complete: null }),
    version: '2.22',
    expect: adminOnServer(404),
  },
];

const flavorRows: MatrixRow[] = [
  { method: 'GET', route: '/flavors', url: fixed('/v2.1/flavors'), expect: anyone(200) },
  { method: 'GET', route: '/flavors/detail', url: fixed('/v2.1/flavors/detail'), expect: anyone(200) },
  { method: 'GET', route: '/flavors/:id', url: fixed('/v2.1/flavors/1'), expect: anyone(200) },
  {
    method: 'POST',
    route: '/flavors',
    url: fixed('/v2.1/flavors'),
    body: json({ flavor: { name: 'm1.tiny', ram: 1, vcpus: 1, disk: 0 } }),
    expect: adminOnly(409),
  },
  {
    method: 'PUT',
    route: '/flavors/:id',
    url: fixed('/v2.1/flavors/nope'),
    body: json({ flavor: { description: 'd' } }),
    version: '2.55',
    expect: adminOnly(404),
  },
  { method: 'DELETE', route: '/flavors/:id', url: fixed('/v2.1/flavors/nope'), expect: adminOnly(404) },
  {
    method: 'GET',
    route: '/flavors/:flavor_id/os-extra_specs',
    url: fixed('/v2.1/flavors/1/os-extra_specs'),
    expect: anyone(200),
  },
  {
    method: 'GET',
    route: '/flavors/:flavor_id/os-extra_specs/:key',
    url: fixed('/v2.1/flavors/1/os-extra_specs/hw:cpu_policy'),
    expect: anyone(200),
  },
  {
    method: 'POST',
    route: '/flavors/:flavor_id/os-extra_specs',
    url: fixed('/v2.1/flavors/nope/os-extra_specs'),
    body: json({ extra_specs: { a: 'b' } }),
    expect: adminOnly(404),
  },
  {
    method: 'PUT',
    route: '/flavors/:flavor_id/os-extra_specs/:key',
    url: fixed('/v2.1/flavors/nope/os-extra_specs/a'),
    body: json({ a: 'b' }),
    expect: adminOnly(404),
  },
  {
    method: 'DELETE',
    route: '/flavors/:flavor_id/os-extra_specs/:key',
    url: fixed('/v2.1/flavors/nope/os-extra_specs/a'),
    expect: adminOnly(404),
  },
  {
    method: 'GET',
    route: '/flavors/:flavor_id/os-flavor-access',
    url: fixed('/v2.1/flavors/1/os-flavor-access'),
    expect: adminOnly(404),
  },
  {
    method: 'POST',
    route: '/flavors/:flavor_id/action',
    url: fixed('/v2.1/flavors/nope/action'),
    body: json({ addTenantAccess: { tenant: 'p' } }),
    expect: adminOnly(404),
  },
];

const otherRows: MatrixRow[] = [
  { method: 'GET', route: '/images', url: fixed('/v2.1/images'), expect: anyone(200) },
  { method: 'GET', route: '/images/detail', url: fixed('/v2.1/images/detail'), expect: anyone(200) },
  {
    method: 'GET',
    route: '/images/:id',
    url: fixed('/v2.1/images/70a599e0-31e7-49b7-b260-868f441e862b'),
    expect: anyone(200),
  },
  { method: 'GET', route: '/os-hypervisors', url: fixed('/v2.1/os-hypervisors'), expect: adminOnly(200) },
  { method: 'GET', route: '/os-hypervisors/detail', url: fixed('/v2.1/os-hypervisors/detail'), expect: adminOnly(200) },
  {
    method: 'GET',
    route: '/os-hypervisors/:id',
    url: (f) => `/v2.1/os-hypervisors/${f.hostId}`,
    version: '2.53',
    expect: adminOnly(200),
  },
  { method: 'GET', route: '/os-services', url: fixed('/v2.1/os-services'), expect: adminOnly(200) },
  {
    method: 'PUT',
    route: '/os-services/:id',
    url: fixed(`/v2.1/os-services/${UNKNOWN_UUID}`),
    body: json({ status: 'enabled' }),
    version: '2.53',
    expect: adminOnly(404),
  },
  { method: 'GET', route: '/os-availability-zone', url: fixed('/v2.1/os-availability-zone'), expect: anyone(200) },
  {
    method: 'GET',
    route: '/os-availability-zone/detail',
    url: fixed('/v2.1/os-availability-zone/detail'),
    expect: adminOnly(200),
  },
  { method: 'GET', route: '/limits', url: fixed('/v2.1/limits'), expect: anyone(200) },
  {
    method: 'POST',
    route: '/os-keypairs',
    url: fixed('/v2.1/os-keypairs'),
    body: json({ keypair: { name: 'matrix' } }),
    expect: anyone(200),
  },
  { method: 'GET', route: '/os-keypairs', url: fixed('/v2.1/os-keypairs'), expect: anyone(200) },
  { method: 'GET', route: '/os-keypairs/:name', url: fixed('/v2.1/os-keypairs/matrix'), expect: anyone(200) },
  { method: 'DELETE', route: '/os-keypairs/:name', url: fixed('/v2.1/os-keypairs/matrix'), expect: anyone(202) },
  {
    method: 'GET',
    route: '/os-quota-sets/:project',
    url: (f) => `/v2.1/os-quota-sets/${f.projectId}`,
    expect: { admin: 200, member: 200, other: 403, none: 401 },
  },
  {
    method: 'GET',
    route: '/os-quota-sets/:project/defaults',
    url: (f) => `/v2.1/os-quota-sets/${f.projectId}/defaults`,
    expect: anyone(200),
  },
  {
    method: 'GET',
    route: '/os-quota-sets/:project/detail',
    url: (f) => `/v2.1/os-quota-sets/${f.projectId}/detail`,
    expect: { admin: 200, member: 200, other: 403, none: 401 },
  },
  {
    method: 'PUT',
    route: '/os-quota-sets/:project',
    url: (f) => `/v2.1/os-quota-sets/${f.projectId}`,
    body: json({ quota_set: { key_pairs: 100 } }),
    expect: adminOnly(200),
  },
  {
    method: 'DELETE',
    route: '/os-quota-sets/:project',
    url: (f) => `/v2.1/os-quota-sets/${f.projectId}`,
    expect: adminOnly(202),
  },
  { method: 'GET', route: '/os-allocation-audit', url: fixed('/v2.1/os-allocation-audit'), expect: adminOnly(200) },
  {
    method: 'POST',
    route: '/os-allocation-audit/repair',
    url: fixed('/v2.1/os-allocation-audit/repair'),
    // A finding that no longer holds: the repair re-checks it and skips it, changing nothing.
    body: json({ orphaned_allocations: [{ consumer_uuid: UNKNOWN_UUID, host: 'no-such-host' }] }),
    expect: adminOnly(200),
  },
  { method: 'GET', route: '/os-migrations', url: fixed('/v2.1/os-migrations'), expect: adminOnly(200) },
];

export const POLICY_MATRIX: readonly MatrixRow[] = [...serverRows, ...serverSubRows, ...flavorRows, ...otherRows];

/** How a row is named in test output and in the coverage check. */
export function rowName(row: Pick<MatrixRow, 'method' | 'route' | 'action'>): string {
  return `${row.method} ${row.route}${row.action ? ` {${row.action}}` : ''}`;
}
