import { z } from 'zod';
import { SERVER_PASSWORD_MAX_BYTES } from '../../domain/server-password';
import { metaDataJsonSchema, vendorData2JsonSchema, vendorDataJsonSchema } from './replies';
import { EC2_VERSIONS, MimeType, OPENSTACK_VERSIONS, OpenStackVersion } from './tree';

type Json = Record<string, unknown>;

/**
 * One path of the metadata service. `tree` says where it hangs: the EC2 tree (`/{version}/<path>`), the OpenStack
 * tree (`/openstack/{version}/<path>`) or the top (`<path>` as it is, no version).
 */
export interface MetadataPathSpec {
  tree: 'ec2' | 'openstack' | 'top';
  /** Under the version (`meta-data/placement/availability-zone`); empty for the version's own listing. */
  path: string;
  summary: string;
  /** The first version that serves it; the oldest when absent. */
  since?: string;
  contentType: MimeType;
  schema?: z.ZodType;
  /** Served only for instances that have it (a 404 for the others). */
  onlyIf?: string;
  /** Answered before the caller is asked who it is: no proxy headers. */
  anonymous?: boolean;
}

const ec2 = (path: string, summary: string, extra: Partial<MetadataPathSpec> = {}): MetadataPathSpec => ({
  tree: 'ec2',
  path,
  summary,
  contentType: MimeType.Text,
  ...extra,
});
const ec2Md = (path: string, summary: string, extra: Partial<MetadataPathSpec> = {}) =>
  ec2(`meta-data/${path}`, summary, extra);
const openstack = (path: string, summary: string, extra: Partial<MetadataPathSpec> = {}): MetadataPathSpec => ({
  tree: 'openstack',
  path,
  summary,
  contentType: MimeType.Text,
  ...extra,
});

const KEY = 'the server has a key pair';
/** Every path the metadata service answers, by tree (`/ec2/...` is the EC2 tree again, not listed twice). */
export const METADATA_PATHS: readonly MetadataPathSpec[] = [
  { tree: 'top', path: '/', summary: 'The EC2 versions and latest', contentType: MimeType.Text, anonymous: true },
  {
    tree: 'top',
    path: '/openstack',
    summary: 'The OpenStack versions up to today, and latest',
    contentType: MimeType.Text,
  },
  ec2('', 'meta-data/ and user-data (when the server has it)'),
  ec2('user-data', 'The user data given at create, byte for byte', { onlyIf: 'the server has user data' }),
  ec2('meta-data', 'The meta-data keys of the version'),
  ec2Md('ami-id', "The image's EC2 id"),
  ec2Md('ami-launch-index', 'Always 0'),
  ec2Md('ami-manifest-path', "Nova's FIXME"),
  ec2Md('block-device-mapping', 'The devices: ami, root, ephemeral0 and swap', { since: '2007-12-15' }),
  ec2Md('block-device-mapping/ami', 'The root device without /dev/', { since: '2007-12-15' }),
  ec2Md('block-device-mapping/root', 'The root device', { since: '2007-12-15' }),
  ec2Md('block-device-mapping/ephemeral0', "The flavor's ephemeral disk", {
    since: '2007-12-15',
    onlyIf: 'the flavor has an ephemeral disk',
  }),
  ec2Md('block-device-mapping/swap', "The flavor's swap disk", { since: '2007-12-15', onlyIf: 'the flavor has swap' }),
  ec2Md('hostname', 'The hostname with the DHCP domain'),
  ec2Md('instance-action', 'Always none', { since: '2008-09-01' }),
  ec2Md('instance-id', "Nova's EC2 id, i-%08x"),
  ec2Md('instance-type', "The flavor's name", { since: '2007-08-29' }),
  ec2Md('local-hostname', 'The hostname', { since: '2007-01-19' }),
  ec2Md('local-ipv4', 'The fixed address'),
  ec2Md('placement', 'availability-zone', { since: '2008-02-01' }),
  ec2Md('placement/availability-zone', "The server's zone", { since: '2008-02-01' }),
  ec2Md('public-hostname', 'The hostname', { since: '2007-01-19' }),
  ec2Md('public-ipv4', 'Empty: no floating addresses', { since: '2007-01-19' }),
  ec2Md('public-keys', '0=<key name>', { onlyIf: KEY }),
  ec2Md('public-keys/0', 'openssh-key', { onlyIf: KEY }),
  ec2Md('public-keys/0/openssh-key', 'The public key', { onlyIf: KEY }),
  ec2Md('reservation-id', 'The reservation id'),
  ec2Md('security-groups', 'One name per line'),
  openstack('', 'The files of the version'),
  openstack('version', 'The files of the version, as its own listing'),
  openstack('meta_data.json', "The server's identity, metadata and key", {
    contentType: MimeType.Json,
    schema: metaDataJsonSchema,
  }),
  openstack('user_data', 'The user data given at create, byte for byte', { onlyIf: 'the server has user data' }),
  openstack('password', 'The encrypted admin password the guest posted or changePassword stored; empty when none', {
    since: OpenStackVersion.Grizzly,
    contentType: MimeType.Html,
  }),
  openstack('vendor_data.json', 'Static vendor data: {}', {
    since: OpenStackVersion.Havana,
    contentType: MimeType.Json,
    schema: vendorDataJsonSchema,
  }),
  // Nova serves it at every version and never with a JSON type.
  openstack('network_data.json', 'Network metadata: {} (no ports)'),
  openstack('vendor_data2.json', 'Dynamic vendor data: {"static": {}}', {
    since: OpenStackVersion.NewtonTwo,
    contentType: MimeType.Json,
    schema: vendorData2JsonSchema,
  }),
];

/** The versions at which a path is served: from `since` on, and `latest`. */
export function versionsOf(spec: MetadataPathSpec): string[] {
  const all: readonly string[] = spec.tree === 'openstack' ? OPENSTACK_VERSIONS : EC2_VERSIONS;
  return [...all.slice(spec.since ? all.indexOf(spec.since) : 0), 'latest'];
}

/** The OpenAPI path: `/{version}/meta-data/hostname`, `/openstack/{version}/meta_data.json`, `/`. */
export function openApiPath(spec: MetadataPathSpec): string {
  if (spec.tree === 'top') return spec.path;
  const prefix = spec.tree === 'openstack' ? '/openstack/{version}' : '/{version}';
  return spec.path ? `${prefix}/${spec.path}` : prefix;
}

/** The proxy's headers (Neutron's metadata agent adds them; a guest never sends them itself). */
const PROXY_HEADERS: Json[] = [
  { name: 'X-Instance-ID', description: "The instance's uuid", schema: { type: 'string', format: 'uuid' } },
  { name: 'X-Tenant-ID', description: "The instance's project", schema: { type: 'string', minLength: 1 } },
  {
    name: 'X-Instance-ID-Signature',
    description: 'Hex HMAC-SHA256 of X-Instance-ID keyed with the shared secret',
    schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
].map((header) => ({ ...header, in: 'header', required: true }));

/** webob's plain-text refusal: `403 Forbidden\n\n<explanation>\n\n   `. */
const refusal = (description: string): Json => ({
  description,
  content: { 'text/plain': { schema: { type: 'string', pattern: '^[0-9]{3} ' } } },
});

function schemaOf(spec: MetadataPathSpec): Json {
  if (!spec.schema) return { type: 'string' };
  const { $schema: _, ...json } = z.toJSONSchema(spec.schema, { io: 'output', target: 'draft-2020-12' }) as Json;
  return json;
}

function operationObject(spec: MetadataPathSpec): Json {
  const version: Json[] =
    spec.tree === 'top'
      ? []
      : [{ name: 'version', in: 'path', required: true, schema: { type: 'string', enum: versionsOf(spec) } }];
  const ok = { description: spec.summary, content: { [spec.contentType]: { schema: schemaOf(spec) } } };
  const notFound = spec.onlyIf
    ? `No such instance for this project, or not served because not: ${spec.onlyIf}`
    : 'No such instance for this project (deleted, unknown or of another project), or no such version';
  return {
    operationId: `get${openApiPath(spec).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
    summary: spec.summary,
    tags: [spec.tree],
    parameters: [...version, ...(spec.anonymous ? [] : PROXY_HEADERS)],
    responses: {
      '200': ok,
      ...(spec.anonymous
        ? {}
        : {
            '400': refusal('Signed, but without X-Tenant-ID'),
            '403': refusal('No valid signature of X-Instance-ID'),
            '404': refusal(notFound),
          }),
    },
  };
}

/** A guest posting its password (cloudbase-init does on first boot): stored once, as Nova's handle_password. */
function passwordPostObject(get: Json): Json {
  return {
    operationId: 'postOpenstackVersionPassword',
    summary: "Store the guest's admin password, encrypted with the server's key, unless one is stored",
    tags: ['openstack'],
    parameters: get['parameters'],
    requestBody: {
      required: false,
      description:
        "What guests post: base64 of the password encrypted with the server's key. Any UTF-8 text without a NUL " +
        'of up to 1,020 bytes is stored as it is; an empty body stores nothing.',
      content: {
        'text/plain': {
          schema: { type: 'string', maxLength: SERVER_PASSWORD_MAX_BYTES, pattern: '^[A-Za-z0-9+/=]*$' },
        },
      },
    },
    responses: {
      '200': { description: 'Stored', content: { [MimeType.Html]: { schema: { type: 'string', maxLength: 0 } } } },
      '400': refusal('Signed, but without X-Tenant-ID; or the password is over 1,020 bytes or not UTF-8 text'),
      '403': refusal('No valid signature of X-Instance-ID'),
      '404': refusal('No such instance for this project, or no such version'),
      '409': refusal('A password is stored already (DELETE /servers/{id}/os-server-password clears it)'),
      '503': refusal('The conductor did not store it in time: post again'),
    },
  };
}

/** The OpenAPI 3.1 document of the metadata service (nova-api-metadata, port 8775), built from METADATA_PATHS. */
export function metadataOpenApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const spec of METADATA_PATHS) paths[openApiPath(spec)] = { get: operationObject(spec) };
  const password = paths['/openstack/{version}/password']!;
  password['post'] = passwordPostObject(password['get'] as Json);
  return {
    openapi: '3.1.0',
    info: {
      title: 'nova-temporal: metadata service',
      version: OPENSTACK_VERSIONS.at(-1),
      description:
        "What an instance reads about itself through its host's metadata proxy, which adds the instance's id, " +
        'its project and a signature of the id. Every path but the root needs the three headers. Reads only, ' +
        "but for a guest's POST of its password: any other method is a 405. /ec2/<path> is /<path>. " +
        'Generated from api/metadata/openapi.ts.',
    },
    servers: [{ url: '/' }],
    paths,
  };
}
