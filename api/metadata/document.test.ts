import type { MetadataInstanceRow } from '../queries/metadata';
import { ec2ImageId, ec2InstanceId, instanceDocument, localIpv4 } from './document';

function row(overrides: Partial<MetadataInstanceRow> = {}): MetadataInstanceRow {
  return {
    uuid: '0b3c8a3e-3d7e-4c55-9d1e-6a1c2f0e9a01',
    seq: '42',
    name: 'Web_1.example',
    project_id: 'project-a',
    user_id: 'alice',
    flavor: {
      id: '1',
      name: 'm1.tiny',
      vcpus: 1,
      memory_mb: 512,
      root_gb: 1,
      ephemeral_gb: 0,
      swap_mb: 0,
      extra_specs: {},
    },
    image_id: '70a599e0-31e7-49b7-b260-868f441e862b',
    host: 'host-a',
    node: 'host-a',
    vm_state: 'active',
    task_state: null,
    power_state: 1,
    progress: 0,
    metadata: { role: 'web' },
    key_name: 'laptop',
    key_data: 'ssh-ed25519 AAAA alice@laptop',
    user_data: Buffer.from('#cloud-config\n').toString('base64'),
    availability_zone: null,
    access_ipv4: '',
    access_ipv6: '',
    disk_config: 'MANUAL',
    config_drive: '',
    description: null,
    reservation_id: 'r-0123abcd',
    locked: false,
    fault: null,
    launched_at: new Date('2026-01-01T00:00:00Z'),
    terminated_at: null,
    deleted: false,
    deleted_at: null,
    shelved_at: null,
    shelved_image_id: null,
    shelved_host: null,
    created_at: new Date('2026-01-01T00:00:00Z'),
    updated_at: new Date('2026-01-01T00:00:00Z'),
    host_availability_zone: 'zone-1',
    version: '1767225600000000',
    ...overrides,
  };
}

describe('instanceDocument', () => {
  it("derives Nova's ec2 ids, hostname with the dhcp domain, the host's zone and the decoded user data", () => {
    const doc = instanceDocument(row(), 'novalocal');
    expect(doc).toMatchObject({
      hostname: 'web-1-example.novalocal',
      availabilityZone: 'zone-1',
      meta: { role: 'web' },
      key: { name: 'laptop', type: 'ssh', data: 'ssh-ed25519 AAAA alice@laptop' },
      userData: Buffer.from('#cloud-config\n'),
      ec2: {
        instanceId: 'i-0000002a',
        amiId: 'ami-70a599e0',
        instanceType: 'm1.tiny',
        localIpv4: '10.0.0.42',
        securityGroups: ['default'],
        blockDeviceMapping: { ami: 'sda', root: '/dev/sda' },
      },
    });
    expect(instanceDocument(row(), '').hostname).toBe('web-1-example');
  });

  it('keeps empty user data apart from none, and maps ephemeral and swap disks after the root', () => {
    expect(instanceDocument(row({ user_data: '' }), '').userData).toEqual(Buffer.alloc(0));
    expect(instanceDocument(row({ user_data: null }), '').userData).toBeNull();
    const flavor = { ...row().flavor, ephemeral_gb: 1, swap_mb: 512 };
    expect(instanceDocument(row({ flavor }), '').ec2.blockDeviceMapping).toEqual({
      ami: 'sda',
      root: '/dev/sda',
      ephemeral0: '/dev/sdb',
      swap: '/dev/sdc',
    });
  });

  it('uses the requested zone before the instance has a host', () => {
    expect(instanceDocument(row({ host: null, availability_zone: 'zone-2' }), '').availabilityZone).toBe('zone-2');
  });
});

describe('ec2 ids and addresses', () => {
  it('formats ids as i-%08x and ami-<8 hex>', () => {
    expect(ec2InstanceId('1')).toBe('i-00000001');
    expect(ec2InstanceId(0x1234abcd)).toBe('i-1234abcd');
    expect(ec2ImageId('70a599e0-31e7-49b7-b260-868f441e862b')).toBe('ami-70a599e0');
    expect(ec2ImageId(null)).toBe('ami-00000000');
  });

  it('derives a distinct 10/8 address per instance unless the server has an access IPv4', () => {
    expect(localIpv4('1', '')).toBe('10.0.0.1');
    expect(localIpv4('70000', '')).toBe('10.1.17.112');
    expect(localIpv4('1', '203.0.113.7')).toBe('203.0.113.7');
  });
});
