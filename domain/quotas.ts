/** Quota resources as Nova names them; -1 is unlimited. */
export interface Quotas {
  instances: number;
  cores: number;
  ram: number;
  key_pairs: number;
  metadata_items: number;
  injected_files: number;
  injected_file_content_bytes: number;
  injected_file_path_bytes: number;
  server_groups: number;
  server_group_members: number;
  floating_ips: number;
  fixed_ips: number;
  security_groups: number;
  security_group_rules: number;
}

export type QuotaResource = keyof Quotas;

/**
 * Nova's default quotas (`[quota]` options). The nova-network resources (floating and fixed IPs, security
 * groups and their rules) are -1: that service is gone and Nova reports them unlimited.
 */
export const DEFAULT_QUOTAS: Quotas = {
  instances: 10,
  cores: 20,
  ram: 51200,
  key_pairs: 100,
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  server_groups: 10,
  server_group_members: 10,
  floating_ips: -1,
  fixed_ips: -1,
  security_groups: -1,
  security_group_rules: -1,
};

export const QUOTA_RESOURCES = Object.keys(DEFAULT_QUOTAS) as QuotaResource[];

/** The defaults with a project's own limits laid over them. */
export function withOverrides(overrides: Iterable<{ resource: string; hard_limit: number }>): Quotas {
  const quotas = { ...DEFAULT_QUOTAS };
  for (const { resource, hard_limit } of overrides) {
    if (resource in quotas) quotas[resource as QuotaResource] = hard_limit;
  }
  return quotas;
}

/** What a project uses of the counted resources: its live instances and their flavors' cores and RAM. */
export interface ProjectUsage {
  instances: number;
  cores: number;
  ram: number;
}

/**
 * Nova's OverQuota message when adding `requested` to `usage` would pass a limit, else null:
 * `Quota exceeded for cores, ram: Requested 2, 4096, but already used 19, 49152 of 20, 51200 cores, ram`.
 */
export function overQuotaMessage(quotas: Quotas, usage: ProjectUsage, requested: ProjectUsage): string | null {
  const overs = (['cores', 'instances', 'ram'] as const).filter(
    (r) => requested[r] > 0 && quotas[r] >= 0 && usage[r] + requested[r] > quotas[r],
  );
  if (overs.length === 0) return null;
  const list = (values: number[]) => values.join(', ');
  return (
    `Quota exceeded for ${overs.join(', ')}: Requested ${list(overs.map((r) => requested[r]))}, ` +
    `but already used ${list(overs.map((r) => usage[r]))} of ${list(overs.map((r) => quotas[r]))} ${overs.join(', ')}`
  );
}
