import type { MetadataInstanceRow } from '../queries/metadata';
import { hostnameOf } from '../../domain/hostname';
import { hasPorts, rootDeviceName } from '../views/server-fields';

/** The key pair an instance booted with, as its copy on the instance (Nova's instance.keypairs[0]). */
export interface InstanceKey {
  name: string;
  /** Only ssh key pairs exist here: the key pair API refuses x509. */
  type: 'ssh';
  data: string;
}

/**
 * Everything the metadata trees say about one instance, read from one row: what the cache keeps. Random parts
 * (meta_data.json's random_seed) are made per request, as in Nova.
 */
export interface InstanceDocument {
  uuid: string;
  name: string;
  hostname: string;
  projectId: string;
  availabilityZone: string | null;
  launchIndex: number;
  /** The server's metadata key/values. */
  meta: Record<string, string>;
  keyName: string | null;
  key: InstanceKey | null;
  /** The user data's bytes, decoded from the base64 given at create; null when there was none. */
  userData: Buffer | null;
  /** The admin password the guest posted (or changePassword stored), encrypted; null when none is stored. */
  password: string | null;
  ec2: Ec2Facts;
}

/** The EC2 tree's instance facts. */
export interface Ec2Facts {
  instanceId: string;
  amiId: string;
  reservationId: string;
  instanceType: string;
  localIpv4: string;
  securityGroups: string[];
  blockDeviceMapping: Record<string, string>;
}

/** Nova's ec2 instance id: `i-%08x` of the instance's integer id. */
export function ec2InstanceId(seq: string | number): string {
  return `i-${BigInt(seq).toString(16).padStart(8, '0')}`;
}

/**
 * The image's ec2 id. Nova numbers images in its S3 image mapping table; there is none here, so the id is taken
 * from the image uuid's first 32 bits: stable, and in Nova's `ami-%08x` form.
 */
export function ec2ImageId(imageId: string | null): string {
  return `ami-${(imageId ?? '').replace(/-/g, '').slice(0, 8).padStart(8, '0')}`;
}

/**
 * The guest's fixed address. Instances have no ports here; a stable address in 10.0.0.0/8 derived from the
 * instance's integer id stands in for Nova's fixed IP, unless the server has an access IPv4.
 */
export function localIpv4(seq: string | number, accessIpv4: string): string {
  if (accessIpv4) return accessIpv4;
  const n = Number(BigInt(seq) % 0x1000000n);
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Nova's instance_block_mapping: the root device, then the flavor's ephemeral disk and swap. */
function blockDeviceMapping(row: MetadataInstanceRow): Record<string, string> {
  const root = rootDeviceName(row) ?? '/dev/sda';
  const mapping: Record<string, string> = { ami: root.replace(/^\/dev\//, ''), root };
  const prefix = root.replace(/[a-z]$/, '');
  let next = root.charCodeAt(root.length - 1) + 1;
  if (row.flavor.ephemeral_gb > 0) mapping['ephemeral0'] = prefix + String.fromCharCode(next++);
  if (row.flavor.swap_mb > 0) mapping['swap'] = prefix + String.fromCharCode(next);
  return mapping;
}

/** Nova sets the instance's zone to its host's when it is scheduled, as the server view shows it. */
function availabilityZone(row: MetadataInstanceRow): string | null {
  if (!row.host) return row.availability_zone;
  return row.host_availability_zone ?? row.availability_zone ?? 'nova';
}

export function instanceDocument(row: MetadataInstanceRow, dhcpDomain: string): InstanceDocument {
  const hostname = hostnameOf(row);
  return {
    uuid: row.uuid,
    name: row.name,
    hostname: dhcpDomain ? `${hostname}.${dhcpDomain}` : hostname,
    projectId: row.project_id,
    availabilityZone: availabilityZone(row),
    launchIndex: 0,
    meta: row.metadata,
    keyName: row.key_name,
    key: row.key_name && row.key_data ? { name: row.key_name, type: 'ssh', data: row.key_data } : null,
    userData: row.user_data == null ? null : Buffer.from(row.user_data, 'base64'),
    password: row.server_password ?? null,
    ec2: {
      instanceId: ec2InstanceId(row.seq),
      amiId: ec2ImageId(row.image_id),
      reservationId: row.reservation_id,
      instanceType: row.flavor.name,
      localIpv4: localIpv4(row.seq, row.access_ipv4),
      securityGroups: hasPorts(row) ? ['default'] : [],
      blockDeviceMapping: blockDeviceMapping(row),
    },
  };
}
