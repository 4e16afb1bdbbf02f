import type { MetadataInstanceRow } from '../queries/metadata';
import { ec2ImageId, ec2InstanceId, instanceDocument, localIpv4 } from './document';
import { TINY_FLAVOR } from '../../test/support/flavors';
import { activeServerRow } from '../../test/support/server-row';

function row(overrides: Partial<MetadataInstanceRow> = {}): MetadataInstanceRow {
  const at = new Date('2026-01-01T00:00:00Z');
  const server = activeServerRow({
    uuid: '0b3c8a3e-3d7e-4c55-9d1e-6a1c2f0e9a01',
    name: 'Web_1.example',
    project_id: 'project-a',
    user_id: 'alice',
    flavor: TINY_FLAVOR,
    host: 'host-a',
    node: 'host-a',
    key_name: 'laptop',
    user_data: Buffer.from('#cloud-config\n').toString('base64'),
    reservation_id: 'r-0123abcd',
    launched_at: at,
    created_at: at,
    updated_at: at,
  });
  return {
    ...server,
    key_data: 'ssh-ed25519 AAAA alice@laptop',
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
