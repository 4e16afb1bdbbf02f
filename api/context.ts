import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Sql } from 'postgres';
import { NovaError } from './errors';
import { tokenHash } from './identity/token-value';
import { DEFAULT_POLICY, type Policy } from './policy/enforce';
import { findLiveToken } from './queries/identity';

/**
 * Who is calling: from a token the built-in identity service issued (keystone), or in development from Nova's
 * noauth2 token form `user:project`.
 */
export interface RequestContext {
  requestId: string;
  userId: string;
  projectId: string;
  isAdmin: boolean;
  /** The token's role names on its project; absent: `admin` for admins, else `member`. */
  roles?: readonly string[];
  /** The policy in force for this request (the defaults when absent). */
  policy?: Policy;
}

export const requestIdMiddleware: RequestHandler = (_req, res, next) => {
  const requestId = `req-${randomUUID()}`;
  res.locals['requestId'] = requestId;
  res.setHeader('x-openstack-request-id', requestId);
  res.setHeader('x-compute-request-id', requestId);
  next();
};

/**
 * noauth2: `X-Auth-Token: <user>:<project>`, admin when the user is `admin`; no token means the admin user in
 * project `admin`, like Nova's noauth2 with no token for the default dev setup.
 */
export function createNoAuthContextMiddleware(policy: Policy = DEFAULT_POLICY): RequestHandler {
  return (req, res, next) => {
    const token = req.header('x-auth-token') ?? '';
    const [user, project] = token.includes(':') ? token.split(':', 2) : [token || 'admin', token || 'admin'];
    const userId = user || 'admin';
    const projectId = req.header('x-auth-project-id') ?? (project || userId);
    const isAdmin = userId === 'admin';
    res.locals['context'] = {
      requestId: res.locals['requestId'] as string,
      userId,
      projectId,
      isAdmin,
      roles: isAdmin ? ['admin'] : ['member'],
      policy,
    } satisfies RequestContext;
    next();
  };
}

/** 401: no token, or one that is unknown, expired or revoked (keystonemiddleware's answer). */
export class Unauthorized extends NovaError {
  readonly status = 401;
  readonly fault = 'unauthorized';
  constructor() {
    super('The request you have made requires authentication.');
  }
}

/**
 * keystone: `X-Auth-Token` must be a live token (looked up by its SHA-256; not expired, not revoked). The
 * context carries the token's user and project; admin means the admin role on that project.
 */
export function createKeystoneContextMiddleware(sql: Sql, policy: Policy = DEFAULT_POLICY): RequestHandler {
  return async (req, res, next) => {
    const value = req.header('x-auth-token');
    const token = value ? await findLiveToken(sql, tokenHash(value)) : undefined;
    if (!token) {
      res.setHeader(
        'WWW-Authenticate',
        `Keystone uri="${req.protocol}://${req.get('host') ?? 'localhost'}/identity/v3"`,
      );
      throw new Unauthorized();
    }
    res.locals['context'] = {
      requestId: res.locals['requestId'] as string,
      userId: token.user_id,
      projectId: token.project_id,
      isAdmin: token.roles.some((role) => role.name === 'admin'),
      roles: token.roles.map((role) => role.name),
      policy,
    } satisfies RequestContext;
    next();
  };
}

export function contextOf(res: Response): RequestContext {
  return res.locals['context'] as RequestContext;
}
