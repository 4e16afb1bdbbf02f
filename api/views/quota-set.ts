import type { ProjectUsage, QuotaResource, Quotas } from '../../domain/quotas';
import { atLeast, type ApiVersion } from '../microversion';

// nova/api/openstack/compute/quota_sets.py: network resources left in 2.36, injected files in 2.57.
const NETWORK_RESOURCES: readonly QuotaResource[] = [
  'fixed_ips',
  'floating_ips',
  'security_groups',
  'security_group_rules',
];
const FILE_RESOURCES: readonly QuotaResource[] = [
  'injected_files',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
];
const ALWAYS: readonly QuotaResource[] = [
  'cores',
  'instances',
  'key_pairs',
  'metadata_items',
  'ram',
  'server_groups',
  'server_group_members',
];

/** The resources a quota set has at a microversion. */
export function quotaResourcesAt(version: ApiVersion): QuotaResource[] {
  return [
    ...ALWAYS,
    ...(atLeast(version, '2.57') ? [] : FILE_RESOURCES),
    ...(atLeast(version, '2.36') ? [] : NETWORK_RESOURCES),
  ].sort();
}

/** `quota_set` with each resource's limit, and the project id when `id` is given. */
export function quotaSetView(quotas: Quotas, version: ApiVersion, id?: string): Record<string, unknown> {
  const body: Record<string, unknown> = id === undefined ? {} : { id };
  for (const resource of quotaResourcesAt(version)) body[resource] = quotas[resource];
  return body;
}

const COUNTED: Partial<Record<QuotaResource, keyof ProjectUsage>> = {
  instances: 'instances',
  cores: 'cores',
  ram: 'ram',
};

/** `quota_set` detail: each resource's limit, what is in use, and Nova's always-zero reserved. */
export function quotaSetDetailView(
  quotas: Quotas,
  usage: ProjectUsage & { key_pairs: number },
  version: ApiVersion,
  id: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { id };
  for (const resource of quotaResourcesAt(version)) {
    const counted = COUNTED[resource];
    const inUse = counted ? usage[counted] : resource === 'key_pairs' ? usage.key_pairs : 0;
    body[resource] = { in_use: inUse, limit: quotas[resource], reserved: 0 };
  }
  return body;
}
