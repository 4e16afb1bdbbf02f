import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { InstanceDocument } from './document';
import type { MetaDataJson } from './replies';

/**
 * The metadata trees as nova/api/metadata/base.py builds them: the EC2 tree (`/<version>/meta-data/...`) and the
 * OpenStack tree (`/openstack/<version>/<file>`), their version rules, listings and content types.
 */

/** EC2 versions, oldest first; `latest` is the last. */
export const EC2_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
] as const;

/** OpenStack metadata versions, named after the release that added each. */
export const OpenStackVersion = {
  Folsom: '2012-08-10',
  Grizzly: '2013-04-04',
  Havana: '2013-10-17',
  Liberty: '2015-10-15',
  NewtonOne: '2016-06-30',
  NewtonTwo: '2016-10-06',
  Ocata: '2017-02-22',
  Rocky: '2018-08-27',
  Victoria: '2020-10-14',
} as const;
export type OpenStackVersion = (typeof OpenStackVersion)[keyof typeof OpenStackVersion];

export const OPENSTACK_VERSIONS: readonly string[] = Object.values(OpenStackVersion);

export const MimeType = {
  Text: 'text/plain',
  Json: 'application/json',
  /** webob's default, which Nova's password handler leaves in place. */
  Html: 'text/html',
} as const;
export type MimeType = (typeof MimeType)[keyof typeof MimeType];

export interface MetadataReply {
  body: Buffer | string;
  contentType: MimeType;
}

/** An EC2 tree: values, lists, sub-trees; a sub-tree's `_name` replaces its key in listings (public-keys). */
export type Ec2Tree = { [key: string]: Ec2Node };
export type Ec2Node = string | number | null | Buffer | string[] | Ec2Tree;

const atLeast = (versions: readonly string[], required: string, requested: string) =>
  versions.indexOf(requested) >= versions.indexOf(required);

/** `/<version>` of the EC2 tree: `{"meta-data": {...}, "user-data": bytes}`, fields by version. */
export function ec2Metadata(doc: InstanceDocument, version: string): Ec2Tree {
  const since = (required: string) => atLeast(EC2_VERSIONS, required, version);
  const md: Ec2Tree = {
    'ami-id': doc.ec2.amiId,
    'ami-launch-index': doc.launchIndex,
    'ami-manifest-path': 'FIXME',
    'instance-id': doc.ec2.instanceId,
    hostname: doc.hostname,
    'local-ipv4': doc.ec2.localIpv4,
    'reservation-id': doc.ec2.reservationId,
    'security-groups': doc.ec2.securityGroups,
  };
  // Nova's odd rendering: public-keys/ lists `0=<name>`, public-keys/0/ lists `openssh-key`.
  if (doc.keyName) {
    md['public-keys'] = { '0': { _name: `0=${doc.keyName}`, 'openssh-key': doc.key?.data ?? null } };
  }
  if (since('2007-01-19')) {
    md['local-hostname'] = doc.hostname;
    md['public-hostname'] = doc.hostname;
    md['public-ipv4'] = '';
  }
  if (since('2007-08-29')) md['instance-type'] = doc.ec2.instanceType;
  if (since('2007-12-15')) md['block-device-mapping'] = doc.ec2.blockDeviceMapping;
  if (since('2008-02-01')) md['placement'] = { 'availability-zone': doc.availabilityZone };
  if (since('2008-09-01')) md['instance-action'] = 'none';
  const tree: Ec2Tree = { 'meta-data': md };
  if (doc.userData !== null) tree['user-data'] = doc.userData;
  return tree;
}

/** `meta_data.json` at an OpenStack version, keys in Nova's order. */
export function metaDataJson(doc: InstanceDocument, version: string, randomSeed = randomSeedText()): MetaDataJson {
  const since = (required: string) => atLeast(OPENSTACK_VERSIONS, required, version);
  const key = doc.key;
  return {
    uuid: doc.uuid,
    ...(Object.keys(doc.meta).length > 0 ? { meta: doc.meta } : {}),
    ...(key
      ? { public_keys: { [key.name]: key.data }, keys: [{ name: key.name, type: key.type, data: key.data }] }
      : {}),
    hostname: doc.hostname,
    name: doc.name,
    launch_index: doc.launchIndex,
    availability_zone: doc.availabilityZone,
    ...(since(OpenStackVersion.Grizzly) ? { random_seed: randomSeed } : {}),
    ...(since(OpenStackVersion.Liberty) ? { project_id: doc.projectId } : {}),
    // No device tags or pinned CPUs here: the lists exist from their versions, empty.
    ...(since(OpenStackVersion.NewtonOne) ? { devices: [] } : {}),
    ...(since(OpenStackVersion.Victoria) ? { dedicated_cpus: [] } : {}),
  };
}

/** 512 random bytes, base64: Nova makes a new seed on every read of meta_data.json. */
function randomSeedText(): string {
  return randomBytes(512).toString('base64');
}

/** The files of `/openstack/<version>/`, in Nova's order. */
export function openstackFiles(doc: InstanceDocument, version: string): string[] {
  const since = (required: string) => atLeast(OPENSTACK_VERSIONS, required, version);
  const files = ['meta_data.json'];
  if (doc.userData !== null) files.push('user_data');
  if (since(OpenStackVersion.Grizzly)) files.push('password');
  if (since(OpenStackVersion.Havana)) files.push('vendor_data.json');
  if (since(OpenStackVersion.Liberty)) files.push('network_data.json');
  if (since(OpenStackVersion.NewtonTwo)) files.push('vendor_data2.json');
  return files;
}

const text = (body: Buffer | string): MetadataReply => ({ body, contentType: MimeType.Text });
const json = (value: unknown): MetadataReply => ({ body: JSON.stringify(value), contentType: MimeType.Json });

/** One file of `/openstack/<version>/`; null where Nova answers 404. */
function openstackFile(doc: InstanceDocument, version: string, file: string): MetadataReply | null {
  const since = (required: string) => atLeast(OPENSTACK_VERSIONS, required, version);
  switch (file) {
    case 'version':
      return text(openstackFiles(doc, version).join('\n'));
    case 'meta_data.json':
      return json(metaDataJson(doc, version));
    case 'user_data':
      return doc.userData === null ? null : text(doc.userData);
    // The encrypted password as posted; nothing (200) when none is stored. Nova leaves webob's default type.
    case 'password':
      return since(OpenStackVersion.Grizzly) ? { body: doc.password ?? '', contentType: MimeType.Html } : null;
    // No vendordata_jsonfile_path: the StaticJSON provider (Nova's default) gives {}.
    case 'vendor_data.json':
      return since(OpenStackVersion.Havana) ? json({}) : null;
    case 'vendor_data2.json':
      return since(OpenStackVersion.NewtonTwo) ? json({ static: {} }) : null;
    // Instances have no ports, so Nova's network metadata is None: `{}`, served as text/plain (Nova never sets
    // a JSON type here) and at every version, listed or not.
    case 'network_data.json':
      return text('{}');
    default:
      return null;
  }
}

/**
 * Nova's `ec2_md_print`: a tree lists its keys sorted, one per line, sub-trees with a trailing `/` (or their
 * `_name`); a list gives its items one per line; bytes and strings are themselves; anything else its text.
 */
export function ec2Print(node: Ec2Node): Buffer | string {
  if (Buffer.isBuffer(node) || typeof node === 'string') return node;
  if (Array.isArray(node)) return node.join('\n');
  if (node === null) return 'None';
  if (typeof node === 'number') return String(node);
  return Object.keys(node)
    .filter((key) => key !== '_name')
    .sort()
    .map((key) => {
      const child = node[key];
      if (isTree(child)) return typeof child['_name'] === 'string' ? child['_name'] : `${key}/`;
      return key;
    })
    .join('\n');
}

function isTree(node: Ec2Node | undefined): node is Ec2Tree {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && !Buffer.isBuffer(node);
}

/** Nova's `find_path_in_tree`, except that a path through a list or a value is a 404 rather than a 500. */
function findInTree(tree: Ec2Node, tokens: readonly string[]): Ec2Node | undefined {
  let node: Ec2Node | undefined = tree;
  for (const token of tokens) {
    if (!isTree(node) || !Object.hasOwn(node, token)) return undefined;
    node = node[token];
  }
  return node;
}

/** Nova's `posixpath.normpath` of the request path: no `.`, `..`, doubled or trailing slashes. */
export function normalizePath(requestPath: string): string {
  const normalized = path.posix.normalize(`/${requestPath}`);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

/**
 * Whether a normalized path names a version's `password` file, the one file a guest may POST to. Whether that
 * version has one (2013-04-04 on) is lookup's to say, as for a GET.
 */
export function isPasswordPath(normalizedPath: string): boolean {
  return /^\/openstack\/[^/]+\/password$/.test(normalizedPath);
}

/** Whether a normalized path is the root: Nova answers it (the EC2 versions) before asking who is calling. */
export function isRoot(normalizedPath: string): boolean {
  return normalizedPath === '/';
}

/** `GET /`: the EC2 versions and `latest`, one per line. */
export function rootListing(): MetadataReply {
  return text([...EC2_VERSIONS, 'latest'].join('\n'));
}

/**
 * Nova's `InstanceMetadata.lookup`: anything not under `/openstack` (or `/ec2`) is the EC2 tree. Returns null
 * where Nova answers 404. `today` (YYYY-MM-DD) hides versions from the future, as Nova does.
 */
export function lookup(doc: InstanceDocument, normalizedPath: string, today: string): MetadataReply | null {
  let tokens = normalizedPath.split('/').slice(1);
  if (tokens[0] !== 'ec2' && tokens[0] !== 'openstack') tokens = tokens[0] === '' ? ['ec2'] : ['ec2', ...tokens];
  const [tree, version, ...rest] = tokens;
  if (version === undefined) {
    if (tree === 'openstack') return text([...OPENSTACK_VERSIONS.filter((v) => v <= today), 'latest'].join('\n'));
    return rootListing();
  }
  if (tree === 'openstack') {
    const resolved = version === 'latest' ? OPENSTACK_VERSIONS.at(-1)! : version;
    if (!OPENSTACK_VERSIONS.includes(resolved)) return null;
    return openstackFile(doc, resolved, rest.length === 0 ? 'version' : rest.join('/'));
  }
  const resolved = version === 'latest' ? EC2_VERSIONS.at(-1)! : version;
  if (!(EC2_VERSIONS as readonly string[]).includes(resolved)) return null;
  const node = findInTree(ec2Metadata(doc, resolved), rest);
  return node === undefined ? null : text(ec2Print(node));
}
