import { FIXTURE_KEY, instanceDocumentFixture } from '../../test/support/metadata-document';
import {
  ec2Print,
  isPasswordPath,
  lookup,
  metaDataJson,
  normalizePath,
  openstackFiles,
  OPENSTACK_VERSIONS,
} from './tree';

const TODAY = '2026-01-01';
const KEY = FIXTURE_KEY;
const doc = instanceDocumentFixture;

const body = (path: string, d = doc()) => {
  const reply = lookup(d, normalizePath(path), TODAY);
  return reply && { ...reply, body: reply.body.toString() };
};

describe('meta_data.json by version', () => {
  it('has every field at latest (2020-10-14), in Nova order', () => {
    const md = metaDataJson(doc(), '2020-10-14', 'SEED');
    expect(Object.keys(md)).toEqual([
      'uuid',
      'meta',
      'public_keys',
      'keys',
      'hostname',
      'name',
      'launch_index',
      'availability_zone',
      'random_seed',
      'project_id',
      'devices',
      'dedicated_cpus',
    ]);
    expect(md).toMatchObject({
      public_keys: { laptop: KEY },
      keys: [{ name: 'laptop', type: 'ssh', data: KEY }],
      devices: [],
      dedicated_cpus: [],
    });
  });

  it.each([
    ['2012-08-10', []],
    ['2013-04-04', ['random_seed']],
    ['2015-10-15', ['random_seed', 'project_id']],
    ['2018-08-27', ['random_seed', 'project_id', 'devices']],
    ['2020-10-14', ['random_seed', 'project_id', 'devices', 'dedicated_cpus']],
  ])('at %s adds %j to the Folsom fields', (version, added) => {
    const keys = Object.keys(metaDataJson(doc(), version, 'SEED'));
    const folsom = ['uuid', 'meta', 'public_keys', 'keys', 'hostname', 'name', 'launch_index', 'availability_zone'];
    expect(keys).toEqual([...folsom, ...added]);
  });

  it('leaves out meta without server metadata and the keys without a key pair', () => {
    const md = metaDataJson(doc({ meta: {}, keyName: null, key: null }), '2020-10-14', 'SEED');
    expect(md).not.toHaveProperty('meta');
    expect(md).not.toHaveProperty('public_keys');
    expect(md).not.toHaveProperty('keys');
  });

  it('makes a new 512-byte random seed for every read', () => {
    const a = (metaDataJson(doc(), '2020-10-14') as any).random_seed;
    const b = (metaDataJson(doc(), '2020-10-14') as any).random_seed;
    expect(Buffer.from(a, 'base64')).toHaveLength(512);
    expect(a).not.toBe(b);
  });
});

describe('the OpenStack tree', () => {
  it('lists past versions and latest, hiding versions after today', () => {
    expect(body('/openstack')?.body).toBe([...OPENSTACK_VERSIONS, 'latest'].join('\n'));
    expect(lookup(doc(), '/openstack', '2016-01-01')?.body).toBe(
      '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\nlatest',
    );
  });

  it('lists files by version, user_data only when there is some', () => {
    expect(openstackFiles(doc(), '2012-08-10')).toEqual(['meta_data.json', 'user_data']);
    expect(body('/openstack/latest/')?.body).toBe(
      'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json',
    );
    expect(openstackFiles(doc({ userData: null }), '2016-06-30')).toEqual([
      'meta_data.json',
      'password',
      'vendor_data.json',
      'network_data.json',
    ]);
  });

  it('serves the stored password as it was posted, and nothing when none is stored', () => {
    expect(body('/openstack/latest/password')).toEqual({ body: '', contentType: 'text/html' });
    expect(body('/openstack/2013-04-04/password', doc({ password: 'c2VjcmV0' }))).toEqual({
      body: 'c2VjcmV0',
      contentType: 'text/html',
    });
  });

  it('takes a POST only at a path naming a password file', () => {
    for (const path of [
      '/openstack/latest/password',
      '/openstack/2012-08-10/password',
      '/openstack/latest/password/',
    ]) {
      expect(isPasswordPath(normalizePath(path))).toBe(true);
    }
    for (const path of ['/openstack/latest/meta_data.json', '/latest/password', '/openstack/latest/password/x']) {
      expect(isPasswordPath(normalizePath(path))).toBe(false);
    }
  });

  it('answers 404 (null) for files before their version, unknown files and unknown versions', () => {
    expect(body('/openstack/2012-08-10/password')).toBeNull();
    expect(body('/openstack/2013-04-04/vendor_data.json')).toBeNull();
    expect(body('/openstack/2016-06-30/vendor_data2.json')).toBeNull();
    expect(body('/openstack/latest/nothing')).toBeNull();
    expect(body('/openstack/2011-01-01/meta_data.json')).toBeNull();
    expect(body('/openstack/latest/user_data', doc({ userData: null }))).toBeNull();
  });

  it('serves JSON files as application/json, network_data.json and user_data as text/plain', () => {
    expect(body('/openstack/latest/meta_data.json')?.contentType).toBe('application/json');
    expect(body('/openstack/latest/vendor_data.json')).toEqual({ body: '{}', contentType: 'application/json' });
    expect(body('/openstack/latest/vendor_data2.json')).toEqual({
      body: '{"static":{}}',
      contentType: 'application/json',
    });
    expect(body('/openstack/2012-08-10/network_data.json')).toEqual({ body: '{}', contentType: 'text/plain' });
    const userData = lookup(doc(), '/openstack/latest/user_data', TODAY);
    expect(userData).toEqual({ body: Buffer.from([0x23, 0x21, 0x00, 0xff]), contentType: 'text/plain' });
  });
});

describe('the EC2 tree', () => {
  it('lists meta-data keys at 2009-04-04, sub-trees with a slash and public keys by index', () => {
    expect(body('/latest/meta-data/')?.body).toBe(
      [
        'ami-id',
        'ami-launch-index',
        'ami-manifest-path',
        'block-device-mapping/',
        'hostname',
        'instance-action',
        'instance-id',
        'instance-type',
        'local-hostname',
        'local-ipv4',
        'placement/',
        'public-hostname',
        'public-ipv4',
        'public-keys/',
        'reservation-id',
        'security-groups',
      ].join('\n'),
    );
    expect(body('/latest/meta-data/public-keys')?.body).toBe('0=laptop');
    expect(body('/latest/meta-data/public-keys/0/')?.body).toBe('openssh-key');
    expect(body('/latest/meta-data/public-keys/0/openssh-key')?.body).toBe(KEY);
    expect(body('/latest/meta-data/placement/availability-zone')?.body).toBe('nova');
    expect(body('/latest/meta-data/ami-launch-index')?.body).toBe('0');
  });

  it('adds fields by version: 1.0 has neither local-hostname nor placement', () => {
    const listing = body('/1.0/meta-data')?.body.split('\n');
    expect(listing).toContain('instance-id');
    expect(listing).not.toContain('local-hostname');
    expect(listing).not.toContain('placement/');
    expect(listing).not.toContain('instance-type');
    expect(body('/2007-08-29/meta-data/instance-type')?.body).toBe('m1.tiny');
    expect(body('/2007-10-10/meta-data/block-device-mapping')).toBeNull();
  });

  it('treats paths outside /openstack as EC2 and /ec2 alike, and normalizes them', () => {
    expect(body('/latest')?.body).toBe('meta-data/\nuser-data');
    expect(body('/ec2/2009-04-04/meta-data/instance-id')?.body).toBe('i-0000002a');
    expect(body('//latest/./meta-data/../meta-data//hostname/')?.body).toBe('web-1.novalocal');
    expect(body('/latest', doc({ userData: null }))?.body).toBe('meta-data/');
  });

  it('answers 404 (null) for unknown versions and for paths through values or lists', () => {
    expect(body('/2010-01-01/meta-data/')).toBeNull();
    expect(body('/latest/meta-data/hostname/more')).toBeNull();
    expect(body('/latest/meta-data/security-groups/default')).toBeNull();
    expect(body('/latest/meta-data/public-keys', doc({ keyName: null, key: null }))).toBeNull();
  });

  it("prints like Nova's ec2_md_print", () => {
    expect(ec2Print(['a', 'b'])).toBe('a\nb');
    expect(ec2Print([])).toBe('');
    expect(ec2Print(null)).toBe('None');
    expect(ec2Print(3)).toBe('3');
    expect(ec2Print({ b: 'x', a: { c: 'y' }, k: { _name: '0=k', z: 'w' } })).toBe('a/\nb\n0=k');
  });
});

describe('normalizePath', () => {
  it("resolves . and .., doubled and trailing slashes like Python's posixpath.normpath", () => {
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('')).toBe('/');
    expect(normalizePath('/foo/../')).toBe('/');
    expect(normalizePath('/openstack/latest/')).toBe('/openstack/latest');
    expect(normalizePath('/../../openstack')).toBe('/openstack');
  });
});
