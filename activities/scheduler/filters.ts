import { freeResources } from '../../domain/capacity';
import { isServiceUp } from '../../domain/liveness';
import type { HostState } from '../../domain/rows';
import type { FilterContext, ScheduleRequest } from './request';

/** A host filter: pure, true when the host may take the request. */
export type FilterFn = (host: HostState, req: ScheduleRequest, ctx: FilterContext) => boolean;

export interface HostFilter {
  name: string;
  passes: FilterFn;
}

/**
 * Nova's servicegroup `is_up`: a compute heartbeating within service_down_time, not forced down by an operator,
 * and not disabled. Down or disabled hosts get nothing.
 */
export const computeFilter: FilterFn = (host, _req, ctx) =>
  !host.disabled && isServiceUp(host, ctx.now, ctx.serviceDownTimeMs);

/** The source of a move and hosts that already failed this request. */
export const ignoreHostsFilter: FilterFn = (host, req) => !req.ignoreHosts.includes(host.name);

/** A requested host still goes through every filter (Nova's requested_destination, not the old force_hosts). */
export const requestedHostFilter: FilterFn = (host, req) =>
  req.requestedHost === undefined || host.name === req.requestedHost;

export const availabilityZoneFilter: FilterFn = (host, req) =>
  req.availabilityZone === undefined || host.availability_zone === req.availabilityZone;

/*
 * Placement's inventory check, one filter per resource class so the logs say which one ran out. Free comes from
 * domain/capacity, the same arithmetic the conductor's claim uses, so a host that passes here can be claimed:
 * usable = (total − reserved) × ratio, free = usable − used, and one request never exceeds the physical total
 * (placement's max_unit), whatever the overcommit ratio.
 */

export const ramFilter: FilterFn = (host, req) =>
  req.resources.memoryMb <= freeResources(host).memoryMb && req.resources.memoryMb <= host.memory_mb;

export const coreFilter: FilterFn = (host, req) =>
  req.resources.vcpus <= freeResources(host).vcpus && req.resources.vcpus <= host.vcpus;

export const diskFilter: FilterFn = (host, req) =>
  req.resources.diskGb <= freeResources(host).diskGb && req.resources.diskGb <= host.disk_gb;

/**
 * Filters in the order they run. Explicit host lists first (Nova applies ignore/requested hosts before its
 * filters), liveness before capacity so a dead host is reported as down rather than full.
 */
export const FILTERS: readonly HostFilter[] = [
  { name: 'IgnoreHostsFilter', passes: ignoreHostsFilter },
  { name: 'RequestedHostFilter', passes: requestedHostFilter },
  { name: 'ComputeFilter', passes: computeFilter },
  { name: 'AvailabilityZoneFilter', passes: availabilityZoneFilter },
  { name: 'RamFilter', passes: ramFilter },
  { name: 'CoreFilter', passes: coreFilter },
  { name: 'DiskFilter', passes: diskFilter },
];

/** The name of the first filter that rejects the host, or undefined when it passes them all. */
export function rejectingFilter(host: HostState, req: ScheduleRequest, ctx: FilterContext): string | undefined {
  return FILTERS.find((filter) => !filter.passes(host, req, ctx))?.name;
}

/** Hosts that pass every filter, in input order. */
export function filterHosts(hosts: readonly HostState[], req: ScheduleRequest, ctx: FilterContext): HostState[] {
  return hosts.filter((host) => rejectingFilter(host, req, ctx) === undefined);
}

/**
 * How many hosts each filter removed (a host counts against the first filter it fails), like Nova's
 * "Filter X returned 0 hosts" log lines. Only filters that removed something appear.
 */
export function explainRejections(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  ctx: FilterContext,
): Record<string, number> {
  const rejectedBy: Record<string, number> = {};
  for (const host of hosts) {
    const name = rejectingFilter(host, req, ctx);
    if (name !== undefined) rejectedBy[name] = (rejectedBy[name] ?? 0) + 1;
  }
  return rejectedBy;
}
