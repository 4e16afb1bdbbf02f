import express, { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { hashPassword, verifyPassword } from '../../domain/password';
import { baseUrl } from '../links';
import { findLiveToken, findProject, findUser, rolesOn, type TokenRow, type UserRow } from '../queries/identity';
import { authRequest, domainIdOf, type AuthRequest } from './auth-request';
import { callerToken, isAdminToken } from './caller-token';
import { badRequest, createKeystoneErrorHandler, forbidden, notFound, unauthorized } from './errors';
import { createProjectsRouter } from './projects';
import { tokenBody } from './token-body';
import { insertToken, revokeToken } from './token-store';
import { newAuditId, newTokenValue, tokenHash } from './token-value';

export interface IdentityDeps {
  sql: Sql;
  log: Logger;
  tokenLifetimeMs: number;
}

const MEDIA_TYPES = [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }];

function v3Version(root: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${root}/identity/v3/` }],
    'media-types': MEDIA_TYPES,
  };
}

/** Hashed once, lazily: unknown users still pay for one scrypt, so timing does not reveal which names exist. */
let decoyHash: Promise<string> | undefined;

async function passwordUser(sql: Sql, identity: AuthRequest['auth']['identity']): Promise<UserRow> {
  const user = identity.password?.user;
  if (!user) throw badRequest('Expecting to find password in identity.');
  const domainId = domainIdOf(user.domain);
  const row =
    user.id !== undefined
      ? await findUser(sql, { id: user.id })
      : user.name !== undefined && domainId
        ? await findUser(sql, { name: user.name, domainId })
        : undefined;
  decoyHash ??= hashPassword('decoy');
  const ok = await verifyPassword(user.password, row?.password_hash ?? (await decoyHash));
  if (!row || !ok || !row.enabled) throw unauthorized();
  return row;
}

async function scopedProject(sql: Sql, req: AuthRequest, user: UserRow) {
  const scope = req.auth.scope;
  const ref = scope === undefined || scope === 'unscoped' ? undefined : scope.project;
  if (!ref) {
    // Unscoped requests get the user's default project, so a bare password login is immediately usable.
    return user.default_project_id ? findProject(sql, { id: user.default_project_id }) : undefined;
  }
  if (ref.id !== undefined) return findProject(sql, { id: ref.id });
  const domainId = domainIdOf(ref.domain);
  if (ref.name === undefined) throw badRequest('Expecting to find id or name in project.');
  return domainId ? findProject(sql, { name: ref.name, domainId }) : undefined;
}

/** Who the request proves to be: by password, or by a live token being rescoped (which keeps its expiry). */
async function authenticate(
  sql: Sql,
  body: AuthRequest,
): Promise<{ user: UserRow; expiresAt?: Date; methods: string[] }> {
  const identity = body.auth.identity;
  if (identity.methods.includes('password')) return { user: await passwordUser(sql, identity), methods: ['password'] };
  if (identity.methods.includes('token') && identity.token) {
    const original = await findLiveToken(sql, tokenHash(identity.token.id));
    const user = original ? await findUser(sql, { id: original.user_id }) : undefined;
    if (original && user?.enabled) return { user, expiresAt: original.expires_at, methods: ['token'] };
  }
  throw unauthorized();
}

/** The subject token of GET/HEAD/DELETE /auth/tokens; its owner or an admin may look at it. */
async function subjectToken(sql: Sql, req: Request): Promise<{ value: string; token: TokenRow }> {
  const caller = await callerToken(sql, req);
  const value = req.header('x-subject-token');
  if (!value) throw notFound('Could not find token.');
  const token = await findLiveToken(sql, tokenHash(value));
  if (!token) throw notFound('Could not find token.');
  if (caller.user_id !== token.user_id && !isAdminToken(caller)) throw forbidden();
  return { value, token };
}

/** A minimal Keystone v3 at /identity: discovery, password tokens with a service catalog, validation, revocation. */
export function createIdentityRouter(deps: IdentityDeps): Router {
  const { sql } = deps;
  const router = Router();
  // Its own body parser, ahead of the compute API's: a malformed body is Keystone's 400, not Nova's.
  router.use(express.json({ limit: '1mb', type: () => true }));

  router.get('/', (req, res) => {
    res.status(300).json({ versions: { values: [v3Version(baseUrl(req))] } });
  });
  router.get(['/v3', '/v3/'], (req, res) => {
    res.json({ version: v3Version(baseUrl(req)) });
  });

  router.post('/v3/auth/tokens', async (req, res) => {
    const parsed = authRequest.safeParse(req.body);
    if (!parsed.success) throw badRequest(`Invalid authentication request: ${parsed.error.issues[0]?.message}`);
    const body = parsed.data;
    const { user, expiresAt, methods } = await authenticate(sql, body);
    const project = await scopedProject(sql, body, user);
    if (!project?.enabled) throw unauthorized();
    const roles = await rolesOn(sql, user.id, project.id);
    if (roles.length === 0) throw unauthorized();

    const value = newTokenValue();
    const issuedAt = new Date();
    const token: TokenRow = {
      user_id: user.id,
      user_name: user.name,
      user_domain_id: user.domain_id,
      project_id: project.id,
      project_name: project.name,
      project_domain_id: project.domain_id,
      roles,
      methods,
      audit_id: newAuditId(),
      issued_at: issuedAt,
      expires_at: expiresAt ?? new Date(issuedAt.getTime() + deps.tokenLifetimeMs),
    };
    await insertToken(sql, {
      value,
      userId: token.user_id,
      projectId: token.project_id,
      roles,
      methods: token.methods,
      auditId: token.audit_id,
      issuedAt: token.issued_at,
      expiresAt: token.expires_at,
    });
    res
      .status(201)
      .setHeader('X-Subject-Token', value)
      .json(tokenBody(token, baseUrl(req)));
  });

  router.head('/v3/auth/tokens', async (req, res) => {
    const { value } = await subjectToken(sql, req);
    res.setHeader('X-Subject-Token', value).status(200).end();
  });
  router.get('/v3/auth/tokens', async (req, res) => {
    const { value, token } = await subjectToken(sql, req);
    const withCatalog = req.query['nocatalog'] === undefined;
    res.setHeader('X-Subject-Token', value).json(tokenBody(token, baseUrl(req), withCatalog));
  });
  router.delete('/v3/auth/tokens', async (req, res) => {
    const { value } = await subjectToken(sql, req);
    if (!(await revokeToken(sql, value))) throw notFound('Could not find token.');
    res.status(204).end();
  });

  router.use(createProjectsRouter(sql));
  router.use(() => {
    throw notFound('The resource could not be found.');
  });
  router.use(createKeystoneErrorHandler(deps.log));
  return router;
}
