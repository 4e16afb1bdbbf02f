import { CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES } from './fields';

/*
 * GET /v2/schemas/image and /v2/schemas/images: Glance's JSON schemas (python-glanceclient and some SDK paths
 * read them). The image schema is permissive: properties it does not name must be strings.
 */

const nullableString = (maxLength?: number) => ({ type: ['null', 'string'], ...(maxLength ? { maxLength } : {}) });
const readOnly = <T extends object>(schema: T) => ({ ...schema, readOnly: true });

const IMAGE_PROPERTIES = {
  id: {
    type: 'string',
    description: 'An identifier for the image',
    pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
  },
  name: { ...nullableString(255), description: 'Descriptive name for the image' },
  status: readOnly({
    type: 'string',
    description: 'Status of the image',
    enum: [
      'queued',
      'saving',
      'active',
      'killed',
      'deleted',
      'uploading',
      'importing',
      'pending_delete',
      'deactivated',
    ],
  }),
  visibility: { type: 'string', description: 'Scope of image accessibility', enum: [...VISIBILITIES] },
  protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
  os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
  checksum: readOnly({ ...nullableString(32), description: 'md5 hash of image contents.' }),
  os_hash_algo: readOnly({ ...nullableString(64), description: 'Algorithm to calculate the os_hash_value' }),
  os_hash_value: readOnly({
    ...nullableString(128),
    description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo',
  }),
  owner: { ...nullableString(255), description: 'Owner of the image' },
  size: readOnly({ type: ['null', 'integer'], description: 'Size of image file in bytes' }),
  virtual_size: readOnly({ type: ['null', 'integer'], description: 'Virtual size of image in bytes' }),
  container_format: {
    type: ['null', 'string'],
    description: 'Format of the container',
    enum: [null, ...CONTAINER_FORMATS],
  },
  disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
  created_at: readOnly({ type: 'string', description: 'Date and time of image registration' }),
  updated_at: readOnly({ type: 'string', description: 'Date and time of the last image modification' }),
  tags: {
    type: 'array',
    description: 'List of strings related to the image',
    items: { type: 'string', maxLength: 255 },
  },
  min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
  min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
  self: readOnly({ type: 'string', description: 'An image self url' }),
  file: readOnly({ type: 'string', description: 'An image file url' }),
  schema: readOnly({ type: 'string', description: 'An image schema url' }),
};

export function imageSchema(): Record<string, unknown> {
  return {
    name: 'image',
    properties: IMAGE_PROPERTIES,
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function imagesSchema(): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema() },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}
