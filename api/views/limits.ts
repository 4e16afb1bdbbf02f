import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

/** Quota resources as Nova names them; -1 is unlimited. */
export interface Quotas {
  instances: number;
  cores: number;
  ram: number;
  key_pairs: number;
  metadata_items: number;
  injected_files: number;
  injected_file_content_bytes: number;
  server_groups: number;
  server_group_members: number;
  floating_ips: number;
  security_groups: number;
  security_group_rules: number;
}

/**
 * Nova's default quotas (`[quota]` options). Quotas are not implemented yet (issue 6): every project gets the
 * defaults and nothing enforces them. Nova reports the nova-network resources (floating IPs, security groups
 * and their rules) as -1 since that service is gone.
 */
export const DEFAULT_QUOTAS: Quotas = {
  instances: 10,
  cores: 20,
  ram: 51200,
  key_pairs: 100,
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  server_groups: 10,
  server_group_members: 10,
  floating_ips: -1,
  security_groups: -1,
  security_group_rules: -1,
};

/** What a project uses: its live instances and their flavors' cores and RAM. */
export interface ProjectUsage {
  instances: number;
  cores: number;
  ram: number;
}

// nova/api/openstack/compute/views/limits.py
const LIMIT_NAMES: Record<keyof Quotas, readonly string[]> = {
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
