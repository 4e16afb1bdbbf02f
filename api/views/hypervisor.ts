import type { HostRow } from '../../domain/rows';
import { atLeast, type ApiVersion } from '../microversion';
import { hypervisorUuid, serviceUuid } from './hypervisor-ids';

export { hypervisorUuid, serviceUuid } from './hypervisor-ids';
export { hypervisorBodySchema, hypervisorsListSchema } from './hypervisor-schema';

/** A host as the hypervisor views read it: the hosts row plus what its allocations and instances use. */
export interface HypervisorRow extends HostRow {
  /** The integer id before 2.53: the host's place in registration order, so existing ids never move. */
  ordinal: number;
  /** Reported within service_down_time and not forced down (Nova's servicegroup `service_is_up`). */
  alive: boolean;
  used_vcpus: number;
  used_memory_mb: number;
  used_disk_gb: number;
  /** Instances holding a claim on the host (Nova's running_vms counts instances, whatever their power state). */
  instances: number;
  /** Instances on the host with a task_state (Nova's current_workload). */
  workload: number;
}

export interface HypervisorServer {
  name: string;
  uuid: string;
}

export interface HypervisorViewContext {
  version: ApiVersion;
  /** The database's clock, for uptime. */
  now: Date;
  /** The host's servers when `with_servers` was asked for (2.53+); undefined otherwise. */
  servers?: readonly HypervisorServer[] | undefined;
}

export type HypervisorBody = Record<string, unknown>;

// Nova's fake driver's cpu_info (nova/virt/fake.py), as its JSON text: a string before 2.28, an object after.
const FAKE_CPU_INFO =
  '{"arch": "x86_64", "model": "Nehalem", "vendor": "Intel", "features": ["pge", "clflush"], ' +
  '"topology": {"cores": 1, "threads": 1, "sockets": 4}}';

/** The hypervisor id: a uuid from 2.53, an integer before. */
export function hypervisorId(row: Pick<HypervisorRow, 'name' | 'ordinal'>, version: ApiVersion): string | number {
  return atLeast(version, '2.53') ? hypervisorUuid(row.name) : row.ordinal;
}

/** An entry of GET /os-hypervisors (nova/api/openstack/compute/hypervisors.py `_view_hypervisor`). */
export function hypervisorSummaryView(row: HypervisorRow, ctx: HypervisorViewContext): HypervisorBody {
  const hypervisor: HypervisorBody = {
    id: hypervisorId(row, ctx.version),
    hypervisor_hostname: row.name,
    state: row.alive ? 'up' : 'down',
    status: row.disabled ? 'disabled' : 'enabled',
  };
  return withServers(hypervisor, ctx);
}

/** GET /os-hypervisors/{id} and the entries of /os-hypervisors/detail: capacity before 2.88, uptime from. */
export function hypervisorDetailView(row: HypervisorRow, ctx: HypervisorViewContext): HypervisorBody {
  const v = ctx.version;
  const hypervisor: HypervisorBody = {
    id: hypervisorId(row, v),
    hypervisor_hostname: row.name,
    state: row.alive ? 'up' : 'down',
    status: row.disabled ? 'disabled' : 'enabled',
    hypervisor_type: row.hypervisor_type,
    hypervisor_version: row.hypervisor_version,
    host_ip: row.host_ip,
    service: {
      id: atLeast(v, '2.53') ? serviceUuid(row.name) : row.ordinal,
      host: row.name,
      disabled_reason: row.disabled_reason,
    },
  };
  if (atLeast(v, '2.88')) hypervisor['uptime'] = row.alive ? uptimeText(ctx.now, row.started_at) : null;
  else Object.assign(hypervisor, capacityFields(row, v));
  return withServers(hypervisor, ctx);
}

/** The resource tracker's figures: used memory includes the host's reserved memory, as in Nova. */
function capacityFields(row: HypervisorRow, version: ApiVersion): HypervisorBody {
  const memoryUsed = row.reserved_memory_mb + row.used_memory_mb;
  const freeDisk = row.disk_gb - row.used_disk_gb;
  return {
    vcpus: row.vcpus,
    memory_mb: row.memory_mb,
    local_gb: row.disk_gb,
    vcpus_used: row.used_vcpus,
    memory_mb_used: memoryUsed,
    local_gb_used: row.used_disk_gb,
    free_ram_mb: row.memory_mb - memoryUsed,
    free_disk_gb: freeDisk,
    current_workload: row.workload,
    running_vms: row.instances,
    // Libvirt reports the disk really left; our fake disks are sparse files, so the unclaimed disk stands in.
    disk_available_least: freeDisk,
    cpu_info: atLeast(version, '2.28') ? (JSON.parse(FAKE_CPU_INFO) as unknown) : FAKE_CPU_INFO,
  };
}

/** `servers` when asked for: absent when empty before 2.75, always there (maybe empty) from 2.75. */
function withServers(hypervisor: HypervisorBody, ctx: HypervisorViewContext): HypervisorBody {
  const servers = ctx.servers;
  if (servers === undefined) return hypervisor;
  if (servers.length > 0 || atLeast(ctx.version, '2.75')) {
    hypervisor['servers'] = servers.map((s) => ({ name: s.name, uuid: s.uuid }));
  }
  return hypervisor;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * The first part of `uptime`'s output, which libvirt's driver returns (` 08:32:11 up 93 days, 18:25`); null
 * when the host never said when it started. Users and load averages are left out: the fake hosts have none.
 */
export function uptimeText(now: Date, startedAt: Date | null): string | null {
  if (!startedAt) return null;
  const minutes = Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const dayPart = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : '';
  const clockPart = hours > 0 ? `${String(hours).padStart(2, ' ')}:${pad2(mins)}` : `${mins} min`;
  const clock = `${pad2(now.getUTCHours())}:${pad2(now.getUTCMinutes())}:${pad2(now.getUTCSeconds())}`;
  return ` ${clock} up ${dayPart}${clockPart}`;
}
