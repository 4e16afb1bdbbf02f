import { instanceDocumentFixture } from '../../test/support/metadata-document';
import { METADATA_PATHS, metadataOpenApiDocument, openApiPath, versionsOf } from './openapi';
import { metaDataJsonSchema } from './replies';
import { EC2_VERSIONS, lookup, normalizePath, OPENSTACK_VERSIONS } from './tree';

// The walk: what a guest discovers by following the listings (as cloud-init does), from the root and from
// /openstack, at every version, for an instance that has everything a path can depend on.
const FAR_FUTURE = '2999-01-01';
const FULL = instanceDocumentFixture({
  ec2: {
    ...instanceDocumentFixture().ec2,
    blockDeviceMapping: { ami: 'vda', root: '/dev/vda', ephemeral0: '/dev/vdb', swap: '/dev/vdc' },
  },
});

const get = (path: string) => lookup(FULL, normalizePath(path), FAR_FUTURE);

function listing(path: string): string[] {
  const reply = get(path);
  if (!reply) throw new Error(`the listing ${path} is a 404`);
  return reply.body.toString().split('\n');
}

/** Every path below `path` the listings lead to (`public-keys/` lists `0=laptop`: a sub-tree named 0). */
function crawl(path: string): string[] {
  return listing(path).flatMap((line) => {
    const child = `${path}/${line.replace(/\/$/, '').split('=')[0]}`;
    return line.endsWith('/') || line.includes('=') ? [child, ...crawl(child)] : [child];
  });
}

/** `GET <template> @ <version>` for each served path, `{version}` standing for the version. */
function walk(): Set<string> {
  const served = new Set<string>();
  const add = (template: string, version: string) => served.add(`${template} @ ${version}`);
  for (const version of listing('/')) {
    for (const path of [`/${version}`, ...crawl(`/${version}`)])
      add(path.replace(`/${version}`, '/{version}'), version);
  }
  for (const version of listing('/openstack')) {
    const prefix = `/openstack/${version}`;
    for (const path of [prefix, ...crawl(prefix)]) add(path.replace(prefix, '/openstack/{version}'), version);
  }
  return served;
}

function documented(): Set<string> {
  return new Set(
    METADATA_PATHS.filter((spec) => spec.tree !== 'top').flatMap((spec) =>
      versionsOf(spec).map((version) => `${openApiPath(spec)} @ ${version}`),
    ),
  );
}

const concrete = (template: string, version: string) => template.replace('{version}', version);

describe('the metadata OpenAPI path list', () => {
  const served = walk();
  const docs = documented();

  it('has an entry, at that version, for every path the listings lead to', () => {
    expect([...served].filter((route) => !docs.has(route)).sort()).toEqual([]);
  });

  it('documents only paths that answer 200, in the documented content type, at each documented version', () => {
    const wrong = METADATA_PATHS.flatMap((spec) =>
      (spec.tree === 'top' ? [''] : versionsOf(spec)).flatMap((version) => {
        const path = concrete(openApiPath(spec), version);
        const reply = get(path);
        return reply?.contentType === spec.contentType ? [] : [`${path}: ${reply?.contentType ?? 404}`];
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('answers 404 for a documented path at the versions before it', () => {
    const early = METADATA_PATHS.filter((spec) => spec.since).flatMap((spec) => {
      const all: readonly string[] = spec.tree === 'openstack' ? OPENSTACK_VERSIONS : EC2_VERSIONS;
      return all.filter((v) => !versionsOf(spec).includes(v)).map((v) => concrete(openApiPath(spec), v));
    });
    expect(early.length).toBeGreaterThan(10);
    expect(early.filter((path) => get(path) !== null)).toEqual([]);
  });

  it('finds unlisted, nested and versioned paths (a sanity check of the walk itself)', () => {
    expect(served).toContain('/{version}/meta-data/public-keys/0/openssh-key @ latest');
    expect(served).toContain('/{version}/meta-data/placement/availability-zone @ 2008-02-01');
    expect(served).not.toContain('/{version}/meta-data/placement @ 2007-12-15');
    expect(served).toContain('/openstack/{version}/vendor_data2.json @ 2016-10-06');
    // network_data.json is served at Folsom without being listed there: only the documented side knows.
    expect(served).not.toContain('/openstack/{version}/network_data.json @ 2012-08-10');
    expect(docs).toContain('/openstack/{version}/network_data.json @ 2012-08-10');
    expect(served.size).toBeGreaterThan(200);
  });

  it('describes meta_data.json with the schema every version of it satisfies', () => {
    for (const version of [...OPENSTACK_VERSIONS, 'latest']) {
      expect(
        metaDataJsonSchema.safeParse(JSON.parse(get(`/openstack/${version}/meta_data.json`)!.body.toString())),
      ).toMatchObject({ success: true });
    }
    const doc = metadataOpenApiDocument() as { paths: Record<string, { get: Record<string, any> }> };
    const op = doc.paths['/openstack/{version}/meta_data.json']!.get;
    expect(op['responses']['200'].content['application/json'].schema.required).toEqual([
      'uuid',
      'hostname',
      'name',
      'launch_index',
      'availability_zone',
    ]);
    expect(op['parameters'].map((p: { name: string }) => p.name)).toEqual([
      'version',
      'X-Instance-ID',
      'X-Tenant-ID',
      'X-Instance-ID-Signature',
    ]);
    expect(doc.paths['/']!.get['parameters']).toEqual([]);
  });
});
