import { z } from 'zod';

/**
 * The JSON files of the OpenStack tree as zod schemas: what `tree.ts` builds is typed from them and the metadata
 * service's OpenAPI document publishes them, so the two cannot drift apart.
 */

const key = z.object({ name: z.string(), type: z.literal('ssh'), data: z.string() }).strict();

/** `meta_data.json`, fields by version: those added after Folsom are optional here. */
export const metaDataJsonSchema = z
  .object({
    uuid: z.uuid(),
    meta: z.record(z.string(), z.string()).optional(),
    public_keys: z.record(z.string(), z.string()).optional(),
    keys: z.array(key).optional(),
    hostname: z.string(),
    name: z.string(),
    launch_index: z.number().int().min(0),
    availability_zone: z.string().nullable(),
    random_seed: z.base64().optional().describe('512 random bytes, new on every read (since 2013-04-04)'),
    project_id: z.string().optional().describe('since 2015-10-15'),
    devices: z.array(z.never()).optional().describe('no device tags here: empty (since 2016-06-30)'),
    dedicated_cpus: z.array(z.never()).optional().describe('no pinned CPUs here: empty (since 2020-10-14)'),
  })
  .strict();
export type MetaDataJson = z.infer<typeof metaDataJsonSchema>;

/** `vendor_data.json` of the StaticJSON provider without a file: `{}`. */
export const vendorDataJsonSchema = z.object({}).strict();

/** `vendor_data2.json`: one entry per dynamic provider, and `static`. */
export const vendorData2JsonSchema = z.object({ static: vendorDataJsonSchema }).strict();
