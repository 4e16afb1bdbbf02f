import { z } from 'zod';
import {
  badRequest,
  conflictDetail,
  forbidden,
  forbiddenDetail,
  policyForbidden,
  unsupportedMediaType,
} from './errors';
import {
  CORE_FIELDS,
  PROPERTY_VALUE,
  checkMinimum,
  parseAgainstSchema,
  refusedAttribute,
  tagSet,
  type CoreField,
  type Visibility,
} from './fields';

/*
 * PATCH /v2/images/{id}: a JSON patch (RFC 6902 subset, draft 10 for v2.1 and the older draft 4 form for v2.0)
 * of add, remove and replace on top-level attributes. Parsing checks the shape and the attribute names;
 * applying checks policy and image state and yields the new attributes. Both are pure.
 */

export const PATCH_MEDIA_TYPES: Readonly<Record<string, 4 | 10>> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

const OPERATIONS = ['add', 'remove', 'replace'] as const;
export type PatchOperation = (typeof OPERATIONS)[number];

export interface PatchChange {
  op: PatchOperation;
  /** The decoded JSON pointer: one token, or two for locations. */
  path: string[];
  value?: unknown;
  draft: 4 | 10;
}

const PATH_DEPTH: Readonly<Record<string, Partial<Record<PatchOperation, number>>>> = {
  locations: { add: 2, remove: 2, replace: 1 },
};

/** The media type without parameters, as webob's `request.content_type` gives it. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function validatePointer(pointer: string): void {
  if (!pointer.startsWith('/')) throw badRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw badRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw badRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw badRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) {
    throw badRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  }
}

/** A JSON pointer's tokens, `~1` and `~0` decoded. */
export function decodePointer(pointer: string): string[] {
  validatePointer(pointer);
  return pointer
    .replace(/^\/+/, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

function operationOf(raw: Record<string, unknown>, draft: 4 | 10): { op: PatchOperation; pointer: unknown } {
  const available = OPERATIONS.join(', ');
  if (draft === 10) {
    const op = raw['op'];
    if (op === undefined) {
      throw badRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${available}.`);
    }
    if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) {
      throw badRequest(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${available}.`);
    }
    if (!('path' in raw)) throw badRequest("Unable to find 'path' in JSON Schema change");
    return { op: op as PatchOperation, pointer: raw['path'] };
  }
  const present = OPERATIONS.filter((op) => op in raw);
  if (present.length > 1) {
    throw badRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
  }
  if (present.length === 0) {
    throw badRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  }
  return { op: present[0]!, pointer: raw[present[0]!] };
}

/** Validates a value the change would set against the image schema (core types, string properties). */
function validateValue(change: PatchChange): void {
  const root = change.path[0]!;
  // Locations are never shown here, so changing them is refused whatever the value (see applyPatch).
  if (change.path.length !== 1 || root === 'locations') return;
  const field = CORE_FIELDS[root as CoreField] as z.ZodType | undefined;
  const schema = z.object({ [root]: field ?? PROPERTY_VALUE });
  parseAgainstSchema(schema, { [root]: change.value });
}

/** The JSON patch draft the media type names; 415 with Accept-Patch for any other media type. */
export function patchDraft(contentType: string | undefined): 4 | 10 {
  const draft = PATCH_MEDIA_TYPES[mediaType(contentType)];
  if (draft !== undefined) return draft;
  const allowed = Object.keys(PATCH_MEDIA_TYPES).sort().join(', ');
  throw unsupportedMediaType(`Image PATCH expects Content-Type one of: ${allowed}`, { 'Accept-Patch': allowed });
}

/**
 * The changes of a PATCH body. 415 (with Accept-Patch) for another media type; 400 for a body that is not an
 * array of operation objects, a bad pointer or a missing value, or a value of the wrong type; 403 for
 * read-only and reserved attributes.
 */
export function parsePatch(contentType: string | undefined, body: unknown): PatchChange[] {
  const draft = patchDraft(contentType);
  if (body === undefined) throw badRequest('Body expected in request.');
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw: unknown) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw badRequest('Operations must be JSON objects.');
    const { op, pointer } = operationOf(raw as Record<string, unknown>, draft);
    if (typeof pointer !== 'string')
      throw badRequest(`Pointer \`${JSON.stringify(pointer)}\` does not start with "/".`);
    const path = decodePointer(pointer);
    const root = path[0]!;
    if (path.length !== (PATH_DEPTH[root]?.[op] ?? 1)) {
      throw badRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    }
    const change: PatchChange = { op, path, draft };
    if (op !== 'remove') {
      if (!('value' in raw)) throw badRequest(`Operation "${op}" requires a member named "value".`);
      change.value = (raw as Record<string, unknown>)['value'];
    }
    const refused = refusedAttribute(root);
    if (refused) throw refused;
    if (op !== 'remove') validateValue(change);
    return change;
  });
}

/** The attributes a patch may change, with what policy and state rules need to know. */
export interface PatchableImage {
  name: string | null;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  min_disk: number;
  min_ram: number;
  tags: string[];
  disk_format: string | null;
  container_format: string | null;
  owner: string | null;
  properties: Record<string, unknown>;
  /** Read for the format rule; a patch never changes it. */
  status: string;
}

export interface Caller {
  projectId: string;
  isAdmin: boolean;
}

const SETTABLE: readonly string[] = [
  'name',
  'visibility',
  'protected',
  'os_hidden',
  'min_disk',
  'min_ram',
  'tags',
  'disk_format',
  'container_format',
  'owner',
];

function checkModify(image: PatchableImage, caller: Caller, root: string, value: unknown): void {
  if (root === 'visibility') {
    if (value === 'public' && !caller.isAdmin) throw policyForbidden('publicize_image');
    if (value === 'community' && !caller.isAdmin && image.owner !== caller.projectId) {
      throw policyForbidden('communitize_image');
    }
  }
  if (!caller.isAdmin && image.owner !== caller.projectId) throw policyForbidden('modify_image');
}

function setCore(image: PatchableImage, root: string, value: unknown, caller: Caller): void {
  if (root === 'owner' && !caller.isAdmin) throw forbiddenDetail("Owner can't be updated by non admin.");
  if ((root === 'disk_format' || root === 'container_format') && image.status !== 'queued') {
    throw forbidden(`Attribute ${root} can be only replaced for a queued image.`);
  }
  if (root === 'min_disk' || root === 'min_ram') checkMinimum(root, value as number);
  const record = image as unknown as Record<string, unknown>;
  record[root] = root === 'tags' ? tagSet(value as string[]) : value;
}

/**
 * Applies parsed changes in order, as Glance's controller does: add sets (draft 4 refuses an attribute that
 * exists), replace needs the attribute to exist (409), remove drops an extra property (409 when absent, 403
 * for a core attribute). Only admins and the owning project may change an image; only admins may make it
 * public or give it away.
 */
export function applyPatch(current: PatchableImage, changes: readonly PatchChange[], caller: Caller): PatchableImage {
  const image: PatchableImage = { ...current, tags: [...current.tags], properties: { ...current.properties } };
  for (const change of changes) {
    const root = change.path[0]!;
    if (root === 'locations') {
      const verb = change.op === 'remove' ? 'remove' : 'update';
      throw forbidden(`It's not allowed to ${verb} locations if locations are invisible.`);
    }
    checkModify(image, caller, root, change.value);
    const core = SETTABLE.includes(root);
    const exists = core || Object.hasOwn(image.properties, root);
    switch (change.op) {
      case 'add':
        if (exists && change.draft === 4) throw conflictDetail(`Property ${root} already present.`);
        if (core) setCore(image, root, change.value, caller);
        else image.properties[root] = change.value;
        break;
      case 'replace':
        if (!exists) throw conflictDetail(`Property ${root} does not exist.`);
        if (core) setCore(image, root, change.value, caller);
        else image.properties[root] = change.value;
        break;
      case 'remove':
        if (core) throw forbiddenDetail(`Property ${root} may not be removed.`);
        if (!exists) throw conflictDetail(`Property ${root} does not exist.`);
        delete image.properties[root];
        break;
    }
  }
  return image;
}
