import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';
import { serviceUuid } from './hypervisor-ids';
import { perfectTime } from './time';

/** Nova's binary for the compute service; conductor and scheduler are Temporal workers with no service row. */
export const COMPUTE_BINARY = 'nova-compute';

/** A compute host as its nova-compute service record. */
export interface ServiceRow {
  host: string;
  /** The integer id before 2.53, the same as the hypervisor's `service.id`. */
  ordinal: number;
  availability_zone: string;
  disabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  /** Reported within service_down_time and not forced down. */
  alive: boolean;
  /** The last report or operator change: Nova's service updated_at. */
  updated_at: Date;
}

export type ServiceBody = Record<string, unknown>;

/** The service id: a uuid from 2.53 (derived from the host name), the integer before. */
export function serviceId(row: Pick<ServiceRow, 'host' | 'ordinal'>, version: ApiVersion): string | number {
  return atLeast(version, '2.53') ? serviceUuid(row.host) : row.ordinal;
}

/** One entry of GET /os-services, also the 2.53 PUT reply (nova/api/openstack/compute/services.py). */
export function serviceView(row: ServiceRow, version: ApiVersion): ServiceBody {
  const service: ServiceBody = {
    binary: COMPUTE_BINARY,
    host: row.host,
    id: serviceId(row, version),
    zone: row.availability_zone,
    status: row.disabled ? 'disabled' : 'enabled',
    state: row.alive ? 'up' : 'down',
    updated_at: perfectTime(row.updated_at),
    disabled_reason: row.disabled_reason,
  };
  if (atLeast(version, '2.11')) service['forced_down'] = row.forced_down;
  return service;
}

// Response schemas after Nova's (nova/api/openstack/compute/schemas/services.py).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

function serviceShape(version: ApiVersion): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = {
    binary: z.string(),
    disabled_reason: z.string().nullable(),
    host: z.string(),
    id: atLeast(version, '2.53') ? z.string().regex(UUID) : z.number().int(),
    state: z.enum(['up', 'down']),
    status: z.enum(['enabled', 'disabled']),
    updated_at: z.string().regex(PERFECT_TIME).nullable(),
    zone: z.string(),
  };
  if (atLeast(version, '2.11')) shape['forced_down'] = z.boolean();
  return shape;
}

/** The strict schema of GET /os-services at a microversion. */
export function servicesListSchema(version: ApiVersion): z.ZodType {
  return z.strictObject({ services: z.array(z.strictObject(serviceShape(version))) });
}

/** The strict schema of a PUT /os-services reply: the full service from 2.53, the changed fields before. */
export function serviceUpdateSchema(version: ApiVersion): z.ZodType {
  if (atLeast(version, '2.53')) return z.strictObject({ service: z.strictObject(serviceShape(version)) });
  const status = z.strictObject({
    binary: z.string(),
    host: z.string(),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z.string().nullable().optional(),
  });
  const forced = z.strictObject({ binary: z.string(), host: z.string(), forced_down: z.boolean() });
  return z.strictObject({ service: z.union([status, forced]) });
}
