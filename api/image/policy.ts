import type { ImageRow } from '../../domain/rows';
import type { RequestContext } from '../context';

/*
 * Glance's default image policies as they apply here (there are no image members): anyone sees public and
 * community images, a project sees its own, an admin sees everything; only the owning project or an admin
 * changes, uploads to or deletes an image. An image a caller cannot see is a 404, never a 403.
 */

export function canSee(row: Pick<ImageRow, 'visibility' | 'owner'>, ctx: RequestContext): boolean {
  return ctx.isAdmin || row.visibility === 'public' || row.visibility === 'community' || row.owner === ctx.projectId;
}

export function canChange(row: Pick<ImageRow, 'owner'>, ctx: RequestContext): boolean {
  return ctx.isAdmin || (row.owner !== null && row.owner === ctx.projectId);
}
