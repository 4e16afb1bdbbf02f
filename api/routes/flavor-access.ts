import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { BadRequest, Conflict, ItemNotFound } from '../errors';
import { addFlavorAccess, removeFlavorAccess } from '../flavors/flavor-store';
import { authorize } from '../policy/enforce';
import { getFlavor, listFlavorAccess } from '../queries/flavors';
import { addTenantAccessBody, removeTenantAccessBody } from '../schemas/flavor';
import { parseWith } from '../validation';
import { flavorNotFound } from './flavor-manage';

export interface FlavorAccessDeps {
  sql: Sql;
}

/** os-flavor-access: which projects may use a private flavor; admins list, grant and withdraw access. */
export function createFlavorAccessRouter(deps: FlavorAccessDeps): Router {
  const router = Router();

  const accessList = async (flavorId: string) => ({
    flavor_access: (await listFlavorAccess(deps.sql, flavorId)).map((tenant) => ({
      flavor_id: flavorId,
      tenant_id: tenant,
    })),
  });

  const privateFlavor = async (flavorId: string) => {
    const row = await getFlavor(deps.sql, flavorId);
    if (!row) throw flavorNotFound(flavorId);
    return row;
  };

  router.get('/flavors/:flavor_id/os-flavor-access', async (req: Request, res: Response) => {
    authorize(contextOf(res), 'os_compute_api:os-flavor-access');
    const flavorId = String(req.params['flavor_id']);
    if ((await privateFlavor(flavorId)).is_public) {
      throw new ItemNotFound('Access list not available for public flavors.');
    }
    res.json(await accessList(flavorId));
  });

  router.post('/flavors/:flavor_id/action', async (req: Request, res: Response) => {
    const body: unknown = req.body;
    const flavorId = String(req.params['flavor_id']);
    const ctx = contextOf(res);
    if (body !== null && typeof body === 'object' && 'addTenantAccess' in body) {
      const { tenant } = parseWith(addTenantAccessBody, body).addTenantAccess;
      authorize(ctx, 'os_compute_api:os-flavor-access:add_tenant_access');
      if ((await privateFlavor(flavorId)).is_public) throw new Conflict('Can not add access to a public flavor.');
      if (!(await addFlavorAccess(deps.sql, flavorId, tenant))) {
        throw new Conflict(`Flavor access already exists for flavor ${flavorId} and project ${tenant} combination.`);
      }
    } else if (body !== null && typeof body === 'object' && 'removeTenantAccess' in body) {
      const { tenant } = parseWith(removeTenantAccessBody, body).removeTenantAccess;
      authorize(ctx, 'os_compute_api:os-flavor-access:remove_tenant_access');
      await privateFlavor(flavorId);
      if (!(await removeFlavorAccess(deps.sql, flavorId, tenant))) {
        throw new ItemNotFound(`Flavor access not found for ${flavorId} / ${tenant} combination.`);
      }
    } else {
      throw new BadRequest('Malformed request body');
    }
    res.json(await accessList(flavorId));
  });

  return router;
}
