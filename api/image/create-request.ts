import { z } from 'zod';
import type { RequestContext } from '../context';
import { badRequest, forbidden, policyForbidden } from './errors';
import {
  CORE_FIELDS,
  PROPERTY_VALUE,
  checkMinimum,
  parseAgainstSchema,
  refusedAttribute,
  tagSet,
  type Visibility,
} from './fields';

/** The record a POST /v2/images creates, in status `queued`. */
export interface NewImage {
  id: string | undefined;
  name: string | null;
  visibility: Visibility;
  protected: boolean;
  osHidden: boolean;
  owner: string;
  containerFormat: string | null;
  diskFormat: string | null;
  minDisk: number;
  minRam: number;
  tags: string[];
  properties: Record<string, string>;
}

const createBody = z.object(CORE_FIELDS).partial().catchall(PROPERTY_VALUE);

/** Attributes a create may never carry, checked before the schema (Glance's `_disallowed_properties`). */
const DISALLOWED = ['direct_url', 'self', 'file', 'schema', 'stores'];

/**
 * POST /v2/images as Glance checks it: read-only and reserved names are 403, a body the image schema refuses
 * is 400, extra properties must be strings with names of at most 255 characters. A caller that is not an
 * admin may create images only for its own project and may not make them public (the publicize_image rule).
 * New images are `shared` unless the body says otherwise, as in Glance since Ocata.
 */
export function parseCreateImage(body: unknown, ctx: RequestContext): NewImage {
  if (body === undefined) throw badRequest('Body expected in request.');
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const key of DISALLOWED) if (key in body) throw forbidden(`Attribute '${key}' is read-only.`);
    for (const key of Object.keys(body)) {
      if (key === 'id') continue;
      const refused = refusedAttribute(key);
      if (refused) throw refused;
    }
  }
  const parsed = parseAgainstSchema(createBody, body);
  const core = new Set<string>(Object.keys(CORE_FIELDS));
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (core.has(key)) continue;
    if (key.length > 255) throw badRequest('Custom property should not be greater than 255 characters.');
    properties[key] = value as string;
  }

  const owner = parsed.owner ?? ctx.projectId;
  if (!ctx.isAdmin && owner !== ctx.projectId) {
    throw forbidden(`You are not permitted to create images owned by '${owner}'.`);
  }
  const visibility = parsed.visibility ?? 'shared';
  if (visibility === 'public' && !ctx.isAdmin) throw policyForbidden('publicize_image');
  const minDisk = parsed.min_disk ?? 0;
  const minRam = parsed.min_ram ?? 0;
  checkMinimum('min_disk', minDisk);
  checkMinimum('min_ram', minRam);
  return {
    id: parsed.id?.toLowerCase(),
    name: parsed.name ?? null,
    visibility,
    protected: parsed.protected ?? false,
    osHidden: parsed.os_hidden ?? false,
    owner,
    containerFormat: parsed.container_format ?? null,
    diskFormat: parsed.disk_format ?? null,
    minDisk,
    minRam,
    tags: tagSet(parsed.tags ?? []),
    properties,
  };
}
