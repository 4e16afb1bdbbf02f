import { z } from 'zod';
import { DEFAULT_QUOTAS, type ProjectUsage, type Quotas } from '../../domain/quotas';
import { atLeast, type ApiVersion } from '../microversion';

// nova/api/openstack/compute/views/limits.py
const LIMIT_NAMES: Partial<Record<keyof Quotas, readonly string[]>> = {
  ram: ['maxTotalRAMSize'],
  instances: ['maxTotalInstances'],
  cores: ['maxTotalCores'],
  key_pairs: ['maxTotalKeypairs'],
  floating_ips: ['maxTotalFloatingIps'],
  metadata_items: ['maxServerMeta', 'maxImageMeta'],
  injected_files: ['maxPersonality'],
  injected_file_content_bytes: ['maxPersonalitySize'],
  security_groups: ['maxSecurityGroups'],
  security_group_rules: ['maxSecurityGroupRules'],
  server_groups: ['maxServerGroups'],
  server_group_members: ['maxServerGroupMembers'],
};

// Network proxy limits went in 2.36, personality (injected file) limits in 2.57 (nova/api/.../limits.py).
const FILTERED_2_36: readonly (keyof Quotas)[] = ['floating_ips', 'security_groups', 'security_group_rules'];
const FILTERED_2_57: readonly (keyof Quotas)[] = [...FILTERED_2_36, 'injected_files', 'injected_file_content_bytes'];

function filteredAt(version: ApiVersion): readonly (keyof Quotas)[] {
  if (atLeast(version, '2.57')) return FILTERED_2_57;
  if (atLeast(version, '2.36')) return FILTERED_2_36;
  return [];
}

/** GET /limits: `{"limits": {"rate": [], "absolute": {...}}}` at a microversion; maxImageMeta until 2.38. */
export function limitsView(
  quotas: Quotas,
  usage: ProjectUsage,
  version: ApiVersion,
): { limits: { rate: []; absolute: Record<string, number> } } {
  const filtered = filteredAt(version);
  const absolute: Record<string, number> = {};
  for (const [resource, names] of Object.entries(LIMIT_NAMES) as [keyof Quotas, readonly string[]][]) {
    if (filtered.includes(resource)) continue;
    for (const name of names) {
      if (name === 'maxImageMeta' && atLeast(version, '2.39')) continue;
      absolute[name] = quotas[resource];
    }
  }
  const used: [string, keyof Quotas, number][] = [
    ['totalRAMUsed', 'ram', usage.ram],
    ['totalCoresUsed', 'cores', usage.cores],
    ['totalInstancesUsed', 'instances', usage.instances],
    ['totalFloatingIpsUsed', 'floating_ips', 0],
    ['totalSecurityGroupsUsed', 'security_groups', 0],
    // Server groups are not implemented yet: none in use.
    ['totalServerGroupsUsed', 'server_groups', 0],
  ];
  for (const [name, resource, inUse] of used) if (!filtered.includes(resource)) absolute[name] = inUse;
  return { limits: { rate: [], absolute } };
}

const count = z.number().int().min(-1);

/** The strict response schema at a microversion: exactly the names Nova sends there. */
export function limitsSchema(version: ApiVersion): z.ZodType {
  const names = Object.keys(limitsView(DEFAULT_QUOTAS, { instances: 0, cores: 0, ram: 0 }, version).limits.absolute);
  return z.strictObject({
    limits: z.strictObject({
      rate: z.array(z.unknown()).length(0),
      absolute: z.strictObject(Object.fromEntries(names.map((name) => [name, count]))),
    }),
  });
}
