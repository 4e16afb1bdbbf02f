import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

// Response schemas after Nova's (nova/api/openstack/compute/schemas/keypairs.py).

const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

function summaryShape(version: ApiVersion): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = { name: z.string(), public_key: z.string(), fingerprint: z.string() };
  if (atLeast(version, '2.2')) shape['type'] = z.enum(['ssh', 'x509']);
  return shape;
}

/** GET /os-keypairs. */
export function keyPairsListSchema(version: ApiVersion): z.ZodType {
  const links = z.array(z.strictObject({ rel: z.string(), href: z.string() }));
  return z.strictObject({
    keypairs: z.array(z.strictObject({ keypair: z.strictObject(summaryShape(version)) })),
    keypairs_links: links.optional(),
  });
}

/** POST /os-keypairs: the private key only when the service generated the pair. */
export function keyPairCreatedSchema(version: ApiVersion): z.ZodType {
  return z.strictObject({
    keypair: z.strictObject({ ...summaryShape(version), user_id: z.string(), private_key: z.string().optional() }),
  });
}

/** GET /os-keypairs/{name}. */
export function keyPairBodySchema(version: ApiVersion): z.ZodType {
  return z.strictObject({
    keypair: z.strictObject({
      ...summaryShape(version),
      user_id: z.string(),
      id: z.number().int(),
      created_at: z.string().regex(PERFECT_TIME),
      updated_at: z.null(),
      deleted: z.literal(false),
      deleted_at: z.null(),
    }),
  });
}
