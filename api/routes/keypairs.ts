import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { contextOf, type RequestContext } from '../context';
import { BadRequest, Forbidden, InstanceInvalidState, ItemNotFound } from '../errors';
import { deleteKeyPair, insertKeyPair } from '../keypairs/keypair-store';
import { generateSshKeyPair, InvalidPublicKey, sshFingerprint } from '../keypairs/ssh-key';
import { baseUrl, nextLink, rawQuery } from '../links';
import { atLeast, versionOf, type ApiVersion } from '../microversion';
import { authorize } from '../policy/enforce';
import { getKeyPair, listKeyPairs } from '../queries/keypairs';
import { projectQuotas } from '../queries/limits';
import { parseWith } from '../validation';
import { keyPairCreatedView, keyPairDetailView, keyPairSummaryView } from '../views/keypair';
import { lastValues, nonNegativeInteger, pageSize, parseQuery } from './list-query';

export interface KeyPairsDeps {
  sql: Sql;
  maxLimit: number;
}

// Nova's keypair name: printable name characters, no leading or trailing space, up to 255.
const keyPairName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?! )[a-zA-Z0-9 @._-]+(?<! )$/, {
    error: (issue) => `'${String(issue.input)}' does not match the name pattern`,
  });

export function createSchema(version: ApiVersion) {
  const base = {
    name: keyPairName,
    public_key: atLeast(version, '2.92') ? z.string().min(1) : z.string().optional(),
  };
  const typed = atLeast(version, '2.2') ? { ...base, type: z.enum(['ssh', 'x509']).optional() } : base;
  const withUser = atLeast(version, '2.10') ? { ...typed, user_id: z.string().min(1).optional() } : typed;
  return z.strictObject({ keypair: z.strictObject(withUser) });
}

export const listSchema = z.object({
  user_id: z.string().optional(),
  limit: nonNegativeInteger.optional(),
  marker: z.string().optional(),
});

/** The user whose key pairs a call addresses: the caller, or (2.10+, admins only) the one named. */
function targetUser(
  ctx: RequestContext,
  version: ApiVersion,
  named: string | undefined,
  rule: 'index' | 'create' | 'show' | 'delete',
): string {
  const userId = named === undefined || !atLeast(version, '2.10') ? ctx.userId : named;
  authorize(ctx, `os_compute_api:os-keypairs:${rule}`, { userId });
  return userId;
}

function notFound(name: string, userId: string): ItemNotFound {
  return new ItemNotFound(`Keypair ${name} not found for user ${userId}`);
}

/** /os-keypairs: list, create or import, show and delete a user's SSH key pairs, as Nova serves them. */
export function createKeyPairsRouter(deps: KeyPairsDeps): Router {
  const router = Router();

  router.get('/os-keypairs', async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const query = rawQuery(req);
    const params = parseQuery(listSchema, lastValues(query));
    const userId = targetUser(ctx, version, params.user_id, 'index');
    const paged = atLeast(version, '2.35');
    const limit = paged ? pageSize(params.limit, deps.maxLimit) : deps.maxLimit;
    const marker = paged ? params.marker : undefined;
    if (marker !== undefined && !(await getKeyPair(deps.sql, userId, marker))) {
      throw new BadRequest(`Marker ${marker} could not be found.`);
    }
    const rows = await listKeyPairs(deps.sql, { userId, limit, marker });
    const keypairs = rows.map((row) => ({ keypair: keyPairSummaryView(row, version) }));
    const last = rows.at(-1);
    const full = paged && params.limit !== undefined && rows.length === limit && last !== undefined;
    res.json(
      full ? { keypairs, keypairs_links: [nextLink(baseUrl(req), 'os-keypairs', query, last.name)] } : { keypairs },
    );
  });

  router.post('/os-keypairs', async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const { keypair } = parseWith(createSchema(version), req.body);
    const fields = keypair as { name: string; public_key?: string; type?: string; user_id?: string };
    const userId = targetUser(ctx, version, fields.user_id, 'create');
    if (fields.type === 'x509') {
      throw new BadRequest('Keypair data is invalid: x509 key pairs are not supported by this service');
    }
    const generated = fields.public_key === undefined ? generateSshKeyPair() : undefined;
    const publicKey = generated?.publicKey ?? fields.public_key!.trim();
    let fingerprint: string;
    try {
      fingerprint = sshFingerprint(publicKey);
    } catch (err) {
      if (err instanceof InvalidPublicKey) throw new BadRequest(`Keypair data is invalid: ${err.message}`);
      throw err;
    }
    const quota = (await projectQuotas(deps.sql, ctx.projectId)).key_pairs;
    const outcome = await insertKeyPair(
      deps.sql,
      { name: fields.name, userId, type: fields.type ?? 'ssh', publicKey, fingerprint },
      quota,
    );
    if ('conflict' in outcome) {
      if (outcome.conflict === 'quota') throw new Forbidden('Quota exceeded, too many key pairs.');
      throw new InstanceInvalidState(`Key pair '${fields.name}' already exists.`);
    }
    res
      .status(atLeast(version, '2.2') ? 201 : 200)
      .json({ keypair: keyPairCreatedView(outcome.inserted, version, generated?.privateKey) });
  });

  router.get('/os-keypairs/:name', async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const params = parseQuery(listSchema, lastValues(rawQuery(req)));
    const userId = targetUser(ctx, version, params.user_id, 'show');
    const name = String(req.params['name']);
    const row = await getKeyPair(deps.sql, userId, name);
    if (!row) throw notFound(name, userId);
    res.json({ keypair: keyPairDetailView(row, version) });
  });

  router.delete('/os-keypairs/:name', async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const params = parseQuery(listSchema, lastValues(rawQuery(req)));
    const userId = targetUser(ctx, version, params.user_id, 'delete');
    const name = String(req.params['name']);
    if (!(await deleteKeyPair(deps.sql, userId, name))) throw notFound(name, userId);
    res.status(atLeast(version, '2.2') ? 204 : 202).end();
  });

  return router;
}
