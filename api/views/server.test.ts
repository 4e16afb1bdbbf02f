import {
  activeServerRow as activeRow,
  SERVER_IMAGE as IMAGE,
  SERVER_UUID as UUID,
} from '../../test/support/server-row';
import type { ApiVersion } from '../microversion';
import {
  rebuildBodySchema,
  rebuildServerView,
  serverBodySchema,
  serverDetailView,
  serverSummaryView,
  updateBodySchema,
  updateServerView,
} from './server';

const ROOT = 'http://nova.test:8774';
const V2_1: ApiVersion = { major: 2, minor: 1 };
const V2_100: ApiVersion = { major: 2, minor: 100 };

const admin = (version: ApiVersion) => ({ baseUrl: ROOT, version, isAdmin: true });
const member = (version: ApiVersion) => ({ baseUrl: ROOT, version, isAdmin: false });

describe('serverDetailView at 2.1', () => {
  const body = serverDetailView(activeRow(), member(V2_1));

  it('matches the strict 2.1 server schema', () => {
    expect(() => serverBodySchema(V2_1).parse(body)).not.toThrow();
  });

  it('formats created/updated to the second with Z and launched_at with microseconds and no zone', () => {
    expect(body['created']).toBe('2024-01-02T03:04:05Z');
    expect(body['updated']).toBe('2024-01-02T03:05:00Z');
    expect(body['OS-SRV-USG:launched_at']).toBe('2024-01-02T03:04:06.789000');
    expect(body['OS-SRV-USG:terminated_at']).toBeNull();
  });

  it('derives hostId as the SHA-224 of project id and host', () => {
    expect(body['hostId']).toBe('173383144a628d3b80a2c785f4418dcbace745f5cfb041b84d66a435');
  });

  it('shows the flavor as an id with a bookmark link and the image with a bookmark only', () => {
    expect(body['flavor']).toEqual({ id: '1', links: [{ rel: 'bookmark', href: `${ROOT}/flavors/1` }] });
    expect(body['image']).toEqual({ id: IMAGE, links: [{ rel: 'bookmark', href: `${ROOT}/images/${IMAGE}` }] });
  });

  it('shows the host availability zone, empty addresses and the default security group', () => {
    expect(body['OS-EXT-AZ:availability_zone']).toBe('nova');
    expect(body['addresses']).toEqual({});
    expect(body['security_groups']).toEqual([{ name: 'default' }]);
    expect(body['progress']).toBe(0);
  });

  it('has none of the later microversions fields', () => {
    for (const key of ['locked', 'description', 'tags', 'host_status', 'server_groups', 'scheduler_hints']) {
      expect(body).not.toHaveProperty(key);
    }
  });

  it('hides OS-EXT-SRV-ATTR fields from non-admins and shows the 2.1 set to admins', () => {
    expect(Object.keys(body).filter((k) => k.startsWith('OS-EXT-SRV-ATTR:'))).toEqual([]);
    const adminBody = serverDetailView(activeRow(), admin(V2_1));
    expect(adminBody).toMatchObject({
      'OS-EXT-SRV-ATTR:host': 'compute-1',
      'OS-EXT-SRV-ATTR:hypervisor_hostname': 'compute-1',
      'OS-EXT-SRV-ATTR:instance_name': 'instance-0000002a',
    });
    expect(adminBody).not.toHaveProperty('OS-EXT-SRV-ATTR:hostname');
    expect(() => serverBodySchema(V2_1).parse(adminBody)).not.toThrow();
  });
});

describe('serverDetailView at 2.100', () => {
  const body = serverDetailView(activeRow({ availability_zone: 'az1' }), member(V2_100));

  it('matches the strict 2.100 server schema', () => {
    expect(() => serverBodySchema(V2_100).parse(body)).not.toThrow();
  });

  it('embeds the flavor without an id', () => {
    expect(body['flavor']).toEqual({
      vcpus: 1,
      ram: 512,
      disk: 1,
      ephemeral: 0,
      swap: 0,
      original_name: 'm1.tiny',
      extra_specs: { 'hw:cpu_policy': 'shared' },
    });
  });

  it('carries every field added up to 2.100 with Nova null and empty values', () => {
    expect(body).toMatchObject({
      locked: false,
      description: null,
      tags: [],
      trusted_image_certificates: null,
      server_groups: [],
      locked_reason: null,
      pinned_availability_zone: 'az1',
      scheduler_hints: {},
      'OS-EXT-SRV-ATTR:hostname': 'web-1',
    });
    expect(body['image']).toMatchObject({ properties: {} });
  });

  it('shows the lock from 2.9 and its reason from 2.73', () => {
    const locked = activeRow({ locked: true, locked_by: 'admin', locked_reason: 'legal hold' });
    expect(serverDetailView(locked, member({ major: 2, minor: 8 }))).not.toHaveProperty('locked');
    expect(serverDetailView(locked, member({ major: 2, minor: 9 }))['locked']).toBe(true);
    expect(serverDetailView(locked, member({ major: 2, minor: 72 }))).not.toHaveProperty('locked_reason');
    expect(serverDetailView(locked, member({ major: 2, minor: 73 }))['locked_reason']).toBe('legal hold');
    expect(serverSummaryView(locked, member(V2_100))).not.toHaveProperty('locked');
    expect(() => serverBodySchema(V2_100).parse(serverDetailView(locked, member(V2_100)))).not.toThrow();
  });

  it('shows host_status to admins only', () => {
    expect(body).not.toHaveProperty('host_status');
    expect(serverDetailView(activeRow(), admin(V2_100))['host_status']).toBe('UP');
    expect(serverDetailView(activeRow({ host_status: 'DOWN' }), admin(V2_100))['host_status']).toBe('DOWN');
    expect(serverDetailView(activeRow({ host: null }), admin(V2_100))['host_status']).toBe('');
  });

  it('gives admins the 2.3 extended attributes and still matches the schema', () => {
    const adminBody = serverDetailView(activeRow(), admin(V2_100));
    expect(adminBody).toMatchObject({
      'OS-EXT-SRV-ATTR:reservation_id': 'r-abcdef12',
      'OS-EXT-SRV-ATTR:launch_index': 0,
      'OS-EXT-SRV-ATTR:kernel_id': '',
      'OS-EXT-SRV-ATTR:ramdisk_id': '',
      'OS-EXT-SRV-ATTR:root_device_name': '/dev/sda',
      'OS-EXT-SRV-ATTR:user_data': null,
      'OS-EXT-SRV-ATTR:hostname': 'web-1',
    });
    expect(() => serverBodySchema(V2_100).parse(adminBody)).not.toThrow();
  });

  it('leaves server_groups out of list entries, as Nova does for /servers/detail', () => {
    const entry = serverDetailView(activeRow(), { ...member(V2_100), inList: true });
    expect(entry).not.toHaveProperty('server_groups');
    expect(() => serverBodySchema(V2_100, { inList: true }).parse(entry)).not.toThrow();
    expect(() => serverBodySchema(V2_100).parse(entry)).toThrow();
  });
});

describe('serverDetailView while building', () => {
  const row = activeRow({
    vm_state: 'building',
    task_state: 'scheduling',
    host: null,
    node: null,
    power_state: 0,
    launched_at: null,
  });

  it('shows BUILD with progress, empty hostId and zone, and no security groups yet', () => {
    const body = serverDetailView(row, member(V2_100));
    expect(body).toMatchObject({ status: 'BUILD', progress: 0, hostId: '', 'OS-EXT-AZ:availability_zone': '' });
    expect(body).not.toHaveProperty('security_groups');
    expect(() => serverBodySchema(V2_100).parse(body)).not.toThrow();
  });

  it('gives admins null host fields and no root device yet', () => {
    const body = serverDetailView(row, admin(V2_100));
    expect(body['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(body['OS-EXT-SRV-ATTR:hypervisor_hostname']).toBeNull();
    expect(body['OS-EXT-SRV-ATTR:root_device_name']).toBeNull();
  });

  it('shows an empty string image for a volume-backed server', () => {
    expect(serverDetailView({ ...row, image_id: null }, member(V2_1))['image']).toBe('');
  });
});

describe('serverDetailView faults', () => {
  const fault = {
    code: 500,
    message: 'No valid host was found.',
    details: 'Traceback ...',
    created: '2024-01-02T03:04:07Z',
  };

  it('shows the fault of an ERROR server without progress', () => {
    const body = serverDetailView(activeRow({ vm_state: 'error', fault }), admin(V2_1));
    expect(body['status']).toBe('ERROR');
    expect(body['fault']).toEqual(fault);
    expect(body).not.toHaveProperty('progress');
  });

  it("hides a 500 fault's details from non-admins", () => {
    const body = serverDetailView(activeRow({ vm_state: 'error', fault }), member(V2_1));
    expect(body['fault']).toEqual({ code: 500, message: fault.message, created: fault.created });
  });

  it('shows details of a non-500 fault to everyone and drops empty details', () => {
    const conflict = { ...fault, code: 409, details: 'detail' };
    expect(serverDetailView(activeRow({ vm_state: 'error', fault: conflict }), member(V2_1))['fault']).toMatchObject({
      details: 'detail',
    });
    const empty = { ...fault, code: 409, details: '' };
    expect(serverDetailView(activeRow({ vm_state: 'error', fault: empty }), admin(V2_1))['fault']).not.toHaveProperty(
      'details',
    );
  });

  it('ignores a stored fault while the server is not ERROR or DELETED', () => {
    expect(serverDetailView(activeRow({ fault }), admin(V2_1))).not.toHaveProperty('fault');
  });

  it('shows DELETED for a deleted row whatever its states', () => {
    expect(serverDetailView(activeRow({ deleted: true, fault }), member(V2_1))).toMatchObject({
      status: 'DELETED',
      fault: { code: 500 },
    });
  });
});

/** Nova's update and rebuild replies at 2.1: show() with the extensions off. */
const REDUCED_VIEW_AT_2_1 = [
  'OS-DCF:diskConfig',
  'accessIPv4',
  'accessIPv6',
  'addresses',
  'created',
  'flavor',
  'hostId',
  'id',
  'image',
  'links',
  'metadata',
  'name',
  'progress',
  'status',
  'tenant_id',
  'updated',
  'user_id',
];

describe('rebuildServerView', () => {
  const rebuilding = activeRow({ task_state: 'rebuilding', key_name: 'k1' });
  const v = (minor: number): ApiVersion => ({ major: 2, minor });
  const reply = (version: ApiVersion, isAdmin = true): Record<string, unknown> => ({
    ...rebuildServerView(rebuilding, { baseUrl: ROOT, version, isAdmin }),
    adminPass: 'pw',
    ...(version.minor >= 57 ? { user_data: null } : {}),
  });

  it("is Nova's reduced view before 2.75: no zone, states, usage, security groups or host attributes", () => {
    const body = reply(V2_1);
    expect(Object.keys(body).sort()).toEqual([...REDUCED_VIEW_AT_2_1, 'adminPass'].sort());
    expect(body['status']).toBe('REBUILD');
    expect(() => rebuildBodySchema(V2_1).parse(body)).not.toThrow();
  });

  it('adds key_name from 2.54 and user_data from 2.57, still without the extended fields', () => {
    expect(reply(v(53))).not.toHaveProperty('key_name');
    expect(reply(v(54))['key_name']).toBe('k1');
    expect(reply(v(74))).not.toHaveProperty('OS-EXT-STS:vm_state');
    for (const minor of [9, 19, 26, 47, 53, 54, 57, 63, 71, 73, 74]) {
      expect(() => rebuildBodySchema(v(minor)).parse(reply(v(minor)))).not.toThrow();
    }
  });

  it('is the full server from 2.75 without OS-EXT-SRV-ATTR:user_data, for admins and members', () => {
    for (const minor of [75, 90, 96, 98, 100]) {
      for (const isAdmin of [true, false]) {
        const body = reply(v(minor), isAdmin);
        expect(body).toHaveProperty('OS-EXT-STS:task_state', 'rebuilding');
        expect(body).not.toHaveProperty('OS-EXT-SRV-ATTR:user_data');
        expect(() => rebuildBodySchema(v(minor)).parse(body)).not.toThrow();
      }
    }
  });
});

describe('the hostname', () => {
  it('is the stored one, whatever the name has become, in GET and in list entries', () => {
    const renamed = activeRow({ name: 'Renamed', hostname: 'db-primary' });
    expect(serverDetailView(renamed, admin(V2_100))['OS-EXT-SRV-ATTR:hostname']).toBe('db-primary');
    expect(serverDetailView(renamed, member(V2_100))['OS-EXT-SRV-ATTR:hostname']).toBe('db-primary');
    expect(serverDetailView(renamed, { ...admin(V2_100), inList: true })['OS-EXT-SRV-ATTR:hostname']).toBe(
      'db-primary',
    );
  });
});

describe('updateServerView', () => {
  const keyed = activeRow({ key_name: 'k1', user_data: 'aGk=' });
  const v = (minor: number): ApiVersion => ({ major: 2, minor });

  it("is Nova's reduced view before 2.75, without the key_name rebuild shows", () => {
    const body = updateServerView(keyed, admin(V2_1));
    expect(Object.keys(body).sort()).toEqual([...REDUCED_VIEW_AT_2_1].sort());
    for (const minor of [9, 19, 26, 47, 54, 63, 71, 73, 74]) {
      const reply = updateServerView(keyed, admin(v(minor)));
      expect(reply).not.toHaveProperty('key_name');
      expect(reply).not.toHaveProperty('OS-EXT-STS:vm_state');
      expect(() => updateBodySchema(v(minor)).parse(reply)).not.toThrow();
    }
    expect(updateServerView(keyed, admin(v(19)))).toHaveProperty('description');
    expect(updateServerView(keyed, admin(v(18)))).not.toHaveProperty('description');
  });

  it("is GET /servers/{id}'s view from 2.75, user data for admins included", () => {
    for (const minor of [75, 90, 100]) {
      for (const ctx of [admin(v(minor)), member(v(minor))]) {
        const body = updateServerView(keyed, ctx);
        expect(body).toEqual(serverDetailView(keyed, ctx));
        expect(() => updateBodySchema(v(minor)).parse(body)).not.toThrow();
      }
    }
    expect(updateServerView(keyed, admin(v(75)))).toHaveProperty('OS-EXT-SRV-ATTR:user_data', 'aGk=');
  });
});

describe('serverSummaryView', () => {
  it('gives id, name and links only', () => {
    expect(serverSummaryView(activeRow(), { baseUrl: ROOT })).toEqual({
      id: UUID,
      name: 'web 1',
      links: [
        { rel: 'self', href: `${ROOT}/v2.1/servers/${UUID}` },
        { rel: 'bookmark', href: `${ROOT}/servers/${UUID}` },
      ],
    });
  });
});
