import { z } from 'zod';

// nova/api/openstack/compute/schemas/server_metadata.py over parameter_types.metadata.

const KEY_PATTERN = /^[a-zA-Z0-9-_:. ]{1,255}$/;

/** Metadata items: keys of letters, digits, `-_:.` and spaces (1–255), string values up to 255. */
export const metadataItems = z.record(
  z.string().regex(KEY_PATTERN, { error: (issue) => `'${String(issue.input)}' does not match any of the regexes` }),
  z.string().max(255),
);

/** POST (merge) and PUT (replace) /servers/{id}/metadata. */
export const serverMetadataBody = z.strictObject({ metadata: metadataItems });
export type ServerMetadataBody = z.infer<typeof serverMetadataBody>;

/** PUT /servers/{id}/metadata/{key}: exactly one item, the URI's. */
export const serverMetadataItemBody = z.strictObject({
  meta: metadataItems.refine((items) => Object.keys(items).length === 1, { error: 'must have exactly one property' }),
});
export type ServerMetadataItemBody = z.infer<typeof serverMetadataItemBody>;
