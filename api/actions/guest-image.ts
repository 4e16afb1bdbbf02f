import { z } from 'zod';
import { Forbidden } from '../errors';
import { atLeast } from '../microversion';
import { projectQuotas } from '../queries/limits';
import type { ActionCall, ActionReply } from './action';

/** Nova's image `metadata` parameter: keys of letters, digits and `-_:. `, string values up to 255 characters. */
export const imageMetadata = z.record(z.string().regex(/^[a-zA-Z0-9-_:. ]{1,255}$/), z.string().max(255));

/**
 * Before 2.39 Nova counts an image's metadata against the caller's metadata_items quota
 * (check_img_metadata_properties_quota): more keys than that is a 403.
 */
export async function checkImageMetadataQuota(call: ActionCall, metadata: Record<string, string>): Promise<void> {
  const count = Object.keys(metadata).length;
  if (count === 0 || atLeast(call.version, '2.39')) return;
  const limit = (await projectQuotas(call.sql, call.ctx.projectId)).metadata_items;
  if (limit >= 0 && count > limit) throw new Forbidden('Image metadata limit exceeded');
}

/**
 * createImage's and createBackup's 202: the new image's id in the body from 2.45; before that no body and the
 * `location` header, if any.
 */
export function imageAccepted(call: ActionCall, imageId: string, location: string | null): ActionReply {
  if (atLeast(call.version, '2.45')) return { status: 202, body: { image_id: imageId } };
  return location === null ? { status: 202 } : { status: 202, headers: { Location: location } };
}
