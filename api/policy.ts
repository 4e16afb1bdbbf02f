import type { RequestContext } from './context';
import { Forbidden } from './errors';

/**
 * Nova's admin-only policy rules (`base.ADMIN`): anyone else gets 403 with the rule's name. Until Keystone
 * roles land (issue 6) the noauth2 user `admin` is the only administrator.
 */
export function requireAdmin(ctx: RequestContext, rule: string): void {
  if (!ctx.isAdmin) throw new Forbidden(`Policy doesn't allow ${rule} to be performed.`);
}
