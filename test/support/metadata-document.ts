import type { InstanceDocument } from '../../api/metadata/document';

/** The key pair of the fixture instance. */
export const FIXTURE_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB alice@laptop';

/** A metadata document for the pure tests of the trees: user data (not UTF-8), a key pair, metadata. */
export function instanceDocumentFixture(overrides: Partial<InstanceDocument> = {}): InstanceDocument {
  return {
    uuid: '0b3c8a3e-3d7e-4c55-9d1e-6a1c2f0e9a01',
    name: 'web 1',
    hostname: 'web-1.novalocal',
    projectId: 'project-a',
    availabilityZone: 'nova',
    launchIndex: 0,
    meta: { role: 'web' },
    keyName: 'laptop',
    key: { name: 'laptop', type: 'ssh', data: FIXTURE_KEY },
    userData: Buffer.from([0x23, 0x21, 0x00, 0xff]),
    password: null,
    ec2: {
      instanceId: 'i-0000002a',
      amiId: 'ami-70a599e0',
      reservationId: 'r-0123abcd',
      instanceType: 'm1.tiny',
      localIpv4: '10.0.0.42',
      securityGroups: ['default'],
      blockDeviceMapping: { ami: 'sda', root: '/dev/sda' },
    },
    ...overrides,
  };
}
