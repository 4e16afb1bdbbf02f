import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { BadRequest, ItemNotFound } from '../errors';
import { deleteExtraSpec, mergeExtraSpecs } from '../flavors/flavor-store';
import { authorize } from '../policy/enforce';
import type { PolicyName } from '../policy/rules';
import { getFlavor, getVisibleFlavor } from '../queries/flavors';
import { extraSpecsCreateBody, extraSpecUpdateBody } from '../schemas/flavor';
import { parseWith } from '../validation';
import { flavorNotFound } from './flavor-manage';

export interface FlavorExtraSpecsDeps {
  sql: Sql;
}

function specNotFound(flavorId: string, key: string): ItemNotFound {
  return new ItemNotFound(`Flavor ${flavorId} has no extra specs with key ${key}.`);
}

/** /flavors/{id}/os-extra_specs[/{key}]: everyone reads the specs of flavors they can see; admins write them. */
export function createFlavorExtraSpecsRouter(deps: FlavorExtraSpecsDeps): Router {
  const router = Router();
  const ids = (req: Request) => ({ flavorId: String(req.params['flavor_id']), key: String(req.params['key']) });

  const readable = async (req: Request, res: Response, rule: PolicyName) => {
    const ctx = contextOf(res);
    authorize(ctx, rule);
    const { flavorId } = ids(req);
    const row = await getVisibleFlavor(deps.sql, flavorId, ctx);
    if (!row) throw flavorNotFound(flavorId);
    return row;
  };

  const writeSpecs = async (flavorId: string, specs: Record<string, string>) => {
    if (!(await mergeExtraSpecs(deps.sql, flavorId, specs))) throw flavorNotFound(flavorId);
  };

  router.get('/flavors/:flavor_id/os-extra_specs', async (req: Request, res: Response) => {
    const row = await readable(req, res, 'os_compute_api:os-flavor-extra-specs:index');
    res.json({ extra_specs: row.extra_specs });
  });

  router.get('/flavors/:flavor_id/os-extra_specs/:key', async (req: Request, res: Response) => {
    const row = await readable(req, res, 'os_compute_api:os-flavor-extra-specs:show');
    const { flavorId, key } = ids(req);
    const value = row.extra_specs[key];
    if (value === undefined) throw specNotFound(flavorId, key);
    res.json({ [key]: value });
  });

  // Nova answers 200 with the specs given, not the flavor's whole set.
  router.post('/flavors/:flavor_id/os-extra_specs', async (req: Request, res: Response) => {
    const { extra_specs: specs } = parseWith(extraSpecsCreateBody, req.body);
    authorize(contextOf(res), 'os_compute_api:os-flavor-extra-specs:create');
    await writeSpecs(ids(req).flavorId, specs);
    res.json({ extra_specs: specs });
  });

  router.put('/flavors/:flavor_id/os-extra_specs/:key', async (req: Request, res: Response) => {
    const spec = parseWith(extraSpecUpdateBody, req.body);
    authorize(contextOf(res), 'os_compute_api:os-flavor-extra-specs:update');
    const { flavorId, key } = ids(req);
    if (!(key in spec)) throw new BadRequest('Request body and URI mismatch');
    await writeSpecs(flavorId, spec);
    res.json(spec);
  });

  router.delete('/flavors/:flavor_id/os-extra_specs/:key', async (req: Request, res: Response) => {
    authorize(contextOf(res), 'os_compute_api:os-flavor-extra-specs:delete');
    const { flavorId, key } = ids(req);
    if (await deleteExtraSpec(deps.sql, flavorId, key)) {
      res.status(202).end();
      return;
    }
    throw (await getFlavor(deps.sql, flavorId)) ? specNotFound(flavorId, key) : flavorNotFound(flavorId);
  });

  return router;
}
