import { z } from 'zod';

// Nova's image proxy (GET /v2.1/images...), up to 2.35.

const links = z.array(z.strictObject({ rel: z.string(), href: z.string(), type: z.string().optional() }));
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const summary = z.strictObject({ id: z.string(), name: z.string().nullable(), links });
const detail = z.strictObject({
  id: z.string(),
  name: z.string().nullable(),
  minRam: z.number().int(),
  minDisk: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  created: z.string().regex(ISO_SECONDS),
  updated: z.string().regex(ISO_SECONDS),
  status: z.enum(['ACTIVE', 'SAVING', 'DELETED', 'ERROR', 'UNKNOWN']),
  progress: z.number().int().min(0).max(100),
  'OS-EXT-IMG-SIZE:size': z.number().int().nullable(),
  links,
  server: z.strictObject({ id: z.string(), links }).optional(),
  'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
});

/** GET /images (summaries) or /images/detail. */
export function imagesListSchema(opts: { detail: boolean }): z.ZodType {
  return z.strictObject({ images: z.array(opts.detail ? detail : summary), images_links: links.optional() });
}

/** GET /images/{id}. */
export const imageBodySchema = z.strictObject({ image: detail });
