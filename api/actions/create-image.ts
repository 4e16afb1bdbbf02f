import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { snapshotServerWorkflow } from '../../workflows/snapshot-server';
import { atLeast } from '../microversion';
import { nameParameter } from '../schemas/create-server';
import { defineAction, startGuarded } from './action';

/** Nova's image `metadata` parameter: keys of letters, digits and `-_:. `, string values up to 255 characters. */
const imageMetadata = z.record(z.string().regex(/^[a-zA-Z0-9-_:. ]{1,255}$/), z.string().max(255));

const createImageBody = z.strictObject({ name: nameParameter, metadata: imageMetadata.optional() });
export type CreateImageBody = z.infer<typeof createImageBody>;

/**
 * createImage: 202 once admitted, with the snapshot's image id in the body from 2.45 and before that in a
 * `Location` header pointing at the image service. The image record is queued at admission; the upload follows.
 */
export const createImage = defineAction({
  key: 'createImage',
  policy: 'os_compute_api:servers:create_image',
  schema: createImageBody,
  async handle(body, call) {
    const imageId = randomUUID();
    await startGuarded(call, {
      rule: StateRules.createImage,
      workflow: snapshotServerWorkflow,
      input: (base) => ({ ...base, image: { imageId, name: body.name, metadata: body.metadata ?? {} } }),
      operation: 'createImage',
      target: `to image ${body.name}`,
    });
    if (atLeast(call.version, '2.45')) return { status: 202, body: { image_id: imageId } };
    return { status: 202, headers: { Location: `${call.baseUrl}/image/v2/images/${imageId}` } };
  },
});
