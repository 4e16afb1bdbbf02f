import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

/** Who is calling. Until Keystone lands (issue 6) this comes from Nova's noauth2 token form `user:project`. */
export interface RequestContext {
  requestId: string;
  userId: string;
  projectId: string;
  isAdmin: boolean;
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
export const noAuthContextMiddleware: RequestHandler = (req, res, next) => {
  const token = req.header('x-auth-token') ?? '';
  const [user, project] = token.includes(':') ? token.split(':', 2) : [token || 'admin', token || 'admin'];
  const userId = user || 'admin';
  const projectId = req.header('x-auth-project-id') ?? (project || userId);
  res.locals['context'] = {
    requestId: res.locals['requestId'] as string,
    userId,
    projectId,
    isAdmin: userId === 'admin',
  } satisfies RequestContext;
  next();
};

export function contextOf(res: Response): RequestContext {
  return res.locals['context'] as RequestContext;
}
