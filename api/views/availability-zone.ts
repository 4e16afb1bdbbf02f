import { z } from 'zod';
import { perfectTime } from './time';

/** A compute host seen as Nova's nova-compute service. */
export interface ComputeServiceRow {
  host: string;
  availability_zone: string;
  disabled: boolean;
  /** Reported within service_down_time and not forced down. */
  alive: boolean;
  /** The last report: Nova's service updated_at. */
  last_seen_at: Date;
}

const COMPUTE_BINARY = 'nova-compute';

interface ServiceState {
  available: boolean;
  active: boolean;
  updated_at: string | null;
}

export interface AvailabilityZoneBody {
  zoneName: string;
  zoneState: { available: boolean };
  hosts: Record<string, Record<string, ServiceState>> | null;
}

/**
 * Nova's `get_availability_zones`: a zone is available when an enabled service is in it, and unavailable
 * when only disabled ones are; both sorted by name.
 */
export function zonesOf(services: readonly ComputeServiceRow[]): { available: string[]; unavailable: string[] } {
  const available = new Set(services.filter((s) => !s.disabled).map((s) => s.availability_zone));
  const unavailable = new Set(
    services.filter((s) => s.disabled && !available.has(s.availability_zone)).map((s) => s.availability_zone),
  );
  return { available: [...available].sort(), unavailable: [...unavailable].sort() };
}

/**
 * GET /os-availability-zone (`verbose` false) and /os-availability-zone/detail (nova/api/openstack/compute/
 * availability_zone.py). The detail lists each available zone's enabled hosts and their services. Nova's
 * `internal` zone (conductor, scheduler) is not shown: here those are Temporal workers with no service record.
 */
export function availabilityZonesView(
  services: readonly ComputeServiceRow[],
  opts: { verbose: boolean },
): { availabilityZoneInfo: AvailabilityZoneBody[] } {
  const { available, unavailable } = zonesOf(services);
  const hostsIn = (zone: string) => {
    const hosts: Record<string, Record<string, ServiceState>> = {};
    for (const s of services.filter((svc) => !svc.disabled && svc.availability_zone === zone)) {
      hosts[s.host] = {
        [COMPUTE_BINARY]: { available: s.alive, active: !s.disabled, updated_at: perfectTime(s.last_seen_at) },
      };
    }
    return hosts;
  };
  return {
    availabilityZoneInfo: [
      ...available.map((zone) => ({
        zoneName: zone,
        zoneState: { available: true },
        hosts: opts.verbose ? hostsIn(zone) : null,
      })),
      ...unavailable.map((zone) => ({ zoneName: zone, zoneState: { available: false }, hosts: null })),
    ],
  };
}

const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const serviceState = z.strictObject({
  available: z.boolean(),
  active: z.boolean(),
  updated_at: z.string().regex(PERFECT_TIME).nullable(),
});

/** The strict response schema (nova/api/openstack/compute/schemas/availability_zone.py). */
export const availabilityZonesSchema = z.strictObject({
  availabilityZoneInfo: z.array(
    z.strictObject({
      zoneName: z.string(),
      zoneState: z.strictObject({ available: z.boolean() }),
      hosts: z.record(z.string(), z.record(z.string(), serviceState)).nullable(),
    }),
  ),
});
