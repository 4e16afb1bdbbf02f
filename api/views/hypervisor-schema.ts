import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

// Response schemas after Nova's (nova/api/openstack/compute/schemas/hypervisors.py).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const links = z.array(z.strictObject({ rel: z.literal('next'), href: z.string() }));
const servers = z.array(z.strictObject({ name: z.string(), uuid: z.string().regex(UUID) }));
const int = z.number().int();

function idSchema(version: ApiVersion): z.ZodType {
  return atLeast(version, '2.53') ? z.string().regex(UUID) : int;
}

function summaryShape(version: ApiVersion): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = {
    id: idSchema(version),
    hypervisor_hostname: z.string(),
    state: z.enum(['up', 'down']),
    status: z.enum(['enabled', 'disabled']),
  };
  if (atLeast(version, '2.53')) shape['servers'] = servers.optional();
  return shape;
}

function detailShape(version: ApiVersion): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = {
    ...summaryShape(version),
    host_ip: z.string().nullable(),
    hypervisor_type: z.string(),
    hypervisor_version: z.union([z.string(), int]),
    service: z.strictObject({ id: idSchema(version), host: z.string(), disabled_reason: z.string().nullable() }),
  };
  if (atLeast(version, '2.88')) return { ...shape, uptime: z.string().nullable() };
  return {
    ...shape,
    cpu_info: atLeast(version, '2.28') ? z.record(z.string(), z.unknown()) : z.string(),
    current_workload: int.nullable(),
    disk_available_least: int.nullable().optional(),
    free_disk_gb: int.nullable(),
    free_ram_mb: int.nullable(),
    local_gb: int,
    local_gb_used: int,
    memory_mb: int,
    memory_mb_used: int,
    running_vms: int.nullable(),
    vcpus: int,
    vcpus_used: int,
  };
}

/** The strict schema of GET /os-hypervisors (or /detail) at a microversion; hypervisors_links from 2.33. */
export function hypervisorsListSchema(version: ApiVersion, opts: { detail: boolean }): z.ZodType {
  const item = z.strictObject(opts.detail ? detailShape(version) : summaryShape(version));
  const shape: Record<string, z.ZodType> = { hypervisors: z.array(item) };
  if (atLeast(version, '2.33')) shape['hypervisors_links'] = links.optional();
  return z.strictObject(shape);
}

/** The strict schema of GET /os-hypervisors/{id}. */
export function hypervisorBodySchema(version: ApiVersion): z.ZodType {
  return z.strictObject({ hypervisor: z.strictObject(detailShape(version)) });
}
