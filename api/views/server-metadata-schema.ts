import { z } from 'zod';

// Response schemas of /servers/{id}/metadata (nova/api/openstack/compute/schemas/server_metadata.py).

const items = z.record(z.string(), z.string());

/** GET, POST and PUT /servers/{id}/metadata: the server's whole metadata (after the write). */
export const serverMetadataSchema = z.strictObject({ metadata: items });

/** GET and PUT /servers/{id}/metadata/{key}: the one item. */
export const serverMetaItemSchema = z.strictObject({
  meta: items.refine((item) => Object.keys(item).length === 1, { error: 'must have exactly one property' }),
});
