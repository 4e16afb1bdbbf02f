import type { HostState } from './rows';

export interface Resources {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** What a host can still give, after overcommit ratios and reserved memory (Nova's placement inventory). */
export function freeResources(host: HostState): Resources {
  return {
    vcpus: Math.floor(host.vcpus * host.cpu_allocation_ratio) - host.used_vcpus,
    memoryMb: Math.floor((host.memory_mb - host.reserved_memory_mb) * host.ram_allocation_ratio) - host.used_memory_mb,
    diskGb: Math.floor(host.disk_gb * host.disk_allocation_ratio) - host.used_disk_gb,
  };
}

/** Whether a request fits a host: within its free inventory and never larger than the physical host. */
export function fits(host: HostState, want: Resources): boolean {
  const free = freeResources(host);
  return (
    want.vcpus <= free.vcpus &&
    want.memoryMb <= free.memoryMb &&
    want.diskGb <= free.diskGb &&
    want.vcpus <= host.vcpus &&
    want.memoryMb <= host.memory_mb &&
    want.diskGb <= host.disk_gb
  );
}

/** What an instance of this flavor claims on its host. */
export function flavorResources(flavor: { vcpus: number; memory_mb: number; root_gb: number; ephemeral_gb: number }) {
  return { vcpus: flavor.vcpus, memoryMb: flavor.memory_mb, diskGb: flavor.root_gb + flavor.ephemeral_gb };
}
