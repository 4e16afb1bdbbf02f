import type { HostState } from '../../domain/rows';

/** An idle, up, enabled fake host as the scheduler sees it; tests override what they vary. */
export function hostState(name: string, over: Partial<HostState> = {}): HostState {
  return {
    name,
    vcpus: 8,
    memory_mb: 16_384,
    disk_gb: 200,
    cpu_allocation_ratio: 4,
    ram_allocation_ratio: 1,
    disk_allocation_ratio: 1,
    reserved_memory_mb: 512,
    hypervisor_type: 'fake',
    hypervisor_version: 1000,
    host_ip: '127.0.0.1',
    availability_zone: 'nova',
    disabled: false,
    disabled_reason: null,
    forced_down: false,
    running_vms: 0,
    started_at: null,
    last_seen_at: new Date('2026-01-01T12:00:00Z'),
    used_vcpus: 0,
    used_memory_mb: 0,
    used_disk_gb: 0,
    instances: 0,
    ...over,
  };
}
