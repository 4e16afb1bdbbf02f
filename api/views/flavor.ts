import type { FlavorRow } from '../../domain/rows';
import { selfLinks } from '../links';
import { atLeast, type ApiVersion } from '../microversion';

export interface FlavorViewContext {
  baseUrl: string;
  version: ApiVersion;
}

export type FlavorBody = Record<string, unknown>;

/** An entry of GET /flavors: id, name, links; description from 2.55. */
export function flavorSummaryView(row: FlavorRow, ctx: FlavorViewContext): FlavorBody {
  const flavor: FlavorBody = { id: row.id, name: row.name, links: selfLinks(ctx.baseUrl, 'flavors', row.id) };
  if (atLeast(ctx.version, '2.55')) flavor['description'] = row.description;
  return flavor;
}

/** GET /flavors/{id} and the entries of GET /flavors/detail (nova/api/openstack/compute/views/flavors.py). */
export function flavorDetailView(row: FlavorRow, ctx: FlavorViewContext): FlavorBody {
  const v = ctx.version;
  const flavor: FlavorBody = {
    id: row.id,
    name: row.name,
    ram: row.memory_mb,
    disk: row.root_gb,
    // Nova's `swap or ""`: no swap was an empty string until 2.75 made it 0.
    swap: atLeast(v, '2.75') ? row.swap_mb : row.swap_mb || '',
    'OS-FLV-EXT-DATA:ephemeral': row.ephemeral_gb,
    vcpus: row.vcpus,
    'os-flavor-access:is_public': row.is_public,
    links: selfLinks(ctx.baseUrl, 'flavors', row.id),
  };
  if (!atLeast(v, '2.102')) {
    flavor['OS-FLV-DISABLED:disabled'] = row.disabled;
    flavor['rxtx_factor'] = row.rxtx_factor || '';
  }
  if (atLeast(v, '2.55')) flavor['description'] = row.description;
  if (atLeast(v, '2.61')) flavor['extra_specs'] = row.extra_specs;
  return flavor;
}
