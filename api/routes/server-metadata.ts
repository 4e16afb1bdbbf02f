import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { StateRules, type StateRule } from '../../domain/guards';
import type { InstanceRow } from '../../domain/rows';
import { updateMetadataWorkflow } from '../../workflows/update-metadata';
import { startGuarded } from '../actions/action';
import { contextOf } from '../context';
import { BadRequest, ItemNotFound } from '../errors';
import { baseUrl } from '../links';
import { versionOf } from '../microversion';
import type { Operations } from '../operations';
import { getInstance } from '../queries/instances';
import { authorizedServer } from '../server-lookup';
import { serverMetadataBody, serverMetadataItemBody } from '../schemas/server-metadata';
import { parseWith } from '../validation';

export interface ServerMetadataDeps {
  sql: Sql;
  operations: Operations;
}

type MetadataRule = 'index' | 'show' | 'create' | 'update' | 'update_all' | 'delete';

interface MetadataWrite {
  rule: StateRule;
  set: Record<string, string>;
  replace: boolean;
  deleteKey: string | null;
}

const itemNotFound = () => new ItemNotFound('Metadata item was not found');

/** /servers/{id}/metadata[/{key}]: read a server's metadata; write it through the conductor. */
export function createServerMetadataRouter(deps: ServerMetadataDeps): Router {
  const router = Router();

  const load = (req: Request, res: Response, rule: MetadataRule): Promise<InstanceRow> =>
    authorizedServer(
      deps.sql,
      String(req.params['server_id']),
      contextOf(res),
      `os_compute_api:server-metadata:${rule}`,
    );

  /** Applies the change once the state allows it; the metadata as the conductor left it. */
  const write = async (req: Request, res: Response, instance: InstanceRow, change: MetadataWrite) => {
    const ctx = contextOf(res);
    const { rule, ...rest } = change;
    const call = { instance, ctx, operations: deps.operations, sql: deps.sql, version: versionOf(res) };
    await startGuarded(
      { ...call, baseUrl: baseUrl(req), serviceDownTimeMs: 0 },
      {
        rule,
        workflow: updateMetadataWorkflow,
        input: (base) => ({ ...base, change: { rule, ...rest } }),
        operation: rule.action,
        awaitClose: true,
      },
    );
    return (await getInstance(deps.sql, instance.uuid, ctx))?.metadata ?? {};
  };

  router.get('/servers/:server_id/metadata', async (req: Request, res: Response) => {
    const instance = await load(req, res, 'index');
    res.json({ metadata: instance.metadata });
  });

  router.get('/servers/:server_id/metadata/:key', async (req: Request, res: Response) => {
    const instance = await load(req, res, 'show');
    const key = String(req.params['key']);
    const value = instance.metadata[key];
    if (value === undefined) throw itemNotFound();
    res.json({ meta: { [key]: value } });
  });

  // Nova answers 200 (not 201) with the server's whole metadata after the merge.
  router.post('/servers/:server_id/metadata', async (req: Request, res: Response) => {
    const { metadata } = parseWith(serverMetadataBody, req.body);
    const instance = await load(req, res, 'create');
    const rule = StateRules.updateMetadata;
    res.json({ metadata: await write(req, res, instance, { rule, set: metadata, replace: false, deleteKey: null }) });
  });

  router.put('/servers/:server_id/metadata', async (req: Request, res: Response) => {
    const { metadata } = parseWith(serverMetadataBody, req.body);
    const instance = await load(req, res, 'update_all');
    const rule = StateRules.updateMetadata;
    res.json({ metadata: await write(req, res, instance, { rule, set: metadata, replace: true, deleteKey: null }) });
  });

  router.put('/servers/:server_id/metadata/:key', async (req: Request, res: Response) => {
    const { meta } = parseWith(serverMetadataItemBody, req.body);
    const instance = await load(req, res, 'update');
    if (!(String(req.params['key']) in meta)) throw new BadRequest('Request body and URI mismatch');
    await write(req, res, instance, { rule: StateRules.updateMetadata, set: meta, replace: false, deleteKey: null });
    res.json({ meta });
  });

  router.delete('/servers/:server_id/metadata/:key', async (req: Request, res: Response) => {
    const instance = await load(req, res, 'delete');
    const key = String(req.params['key']);
    if (!(key in instance.metadata)) throw itemNotFound();
    await write(req, res, instance, { rule: StateRules.deleteMetadata, set: {}, replace: false, deleteKey: key });
    res.status(204).end();
  });

  return router;
}
