import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { snapshotServerWorkflow } from '../../workflows/snapshot-server';
import { nameParameter } from '../schemas/create-server';
import { defineAction, startGuarded } from './action';
import { checkImageMetadataQuota, imageAccepted, imageMetadata } from './guest-image';

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
    const metadata = body.metadata ?? {};
    await checkImageMetadataQuota(call, metadata);
    const imageId = randomUUID();
    await startGuarded(call, {
      rule: StateRules.createImage,
      workflow: snapshotServerWorkflow,
      input: (base) => ({ ...base, image: { imageId, name: body.name, metadata } }),
      operation: 'createImage',
      target: `to image ${body.name}`,
    });
    // Nova's createImage points at the image service itself (glance.API().generate_image_url).
    return imageAccepted(call, imageId, `${call.baseUrl}/image/v2/images/${imageId}`);
  },
});
