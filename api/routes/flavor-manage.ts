import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import type { FlavorRow } from '../../domain/rows';
import { contextOf } from '../context';
import { Conflict, ItemNotFound } from '../errors';
import { deleteFlavor, insertFlavor, setFlavorDescription } from '../flavors/flavor-store';
import { baseUrl } from '../links';
import { atLeast, versionOf } from '../microversion';
import { authorize } from '../policy/enforce';
import { flavorCreateBody, flavorCreateBodyV21, flavorUpdateBody } from '../schemas/flavor';
import { parseWith } from '../validation';
import { flavorDetailView } from '../views/flavor';

export interface FlavorManageDeps {
  sql: Sql;
}

export function flavorNotFound(id: string): ItemNotFound {
  return new ItemNotFound(`Flavor ${id} could not be found.`);
}

function reply(req: Request, res: Response, row: FlavorRow): void {
  res.json({ flavor: flavorDetailView(row, { baseUrl: baseUrl(req), version: versionOf(res) }) });
}

/** os-flavor-manage: admins create flavors, describe them (2.55) and delete them. */
export function createFlavorManageRouter(deps: FlavorManageDeps): Router {
  const router = Router();

  // Nova answers 200, not 201, for a created flavor.
  router.post('/flavors', async (req: Request, res: Response) => {
    const version = versionOf(res);
    const { flavor } = parseWith(atLeast(version, '2.55') ? flavorCreateBody : flavorCreateBodyV21, req.body);
    authorize(contextOf(res), 'os_compute_api:os-flavor-manage:create');
    const id = flavor.id ?? randomUUID();
    const outcome = await insertFlavor(deps.sql, {
      id,
      name: flavor.name,
      vcpus: flavor.vcpus,
      memoryMb: flavor.ram,
      rootGb: flavor.disk,
      ephemeralGb: flavor['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
      swapMb: flavor.swap ?? 0,
      rxtxFactor: flavor.rxtx_factor ?? 1.0,
      isPublic: flavor['os-flavor-access:is_public'] ?? true,
      description: ('description' in flavor ? (flavor.description as string | null | undefined) : null) ?? null,
    });
    if ('conflict' in outcome) {
      throw new Conflict(
        outcome.conflict === 'id'
          ? `Flavor with ID ${id} already exists.`
          : `Flavor with name ${flavor.name} already exists.`,
      );
    }
    reply(req, res, outcome.inserted);
  });

  router.put('/flavors/:id', async (req: Request, res: Response) => {
    if (!atLeast(versionOf(res), '2.55')) throw new ItemNotFound('The resource could not be found.');
    const { flavor } = parseWith(flavorUpdateBody, req.body);
    authorize(contextOf(res), 'os_compute_api:os-flavor-manage:update');
    const id = String(req.params['id']);
    const row = await setFlavorDescription(deps.sql, id, flavor.description);
    if (!row) throw flavorNotFound(id);
    reply(req, res, row);
  });

  // Instances keep their embedded copy of a deleted flavor, as in Nova.
  router.delete('/flavors/:id', async (req: Request, res: Response) => {
    authorize(contextOf(res), 'os_compute_api:os-flavor-manage:delete');
    const id = String(req.params['id']);
    if (!(await deleteFlavor(deps.sql, id))) throw flavorNotFound(id);
    res.status(202).end();
  });

  return router;
}
