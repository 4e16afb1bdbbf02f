import type { ImageRow } from '../../domain/rows';
import { glanceImageBody, glanceImageList } from './image-body';

const ID = '0b3c5a9e-4a4e-4c0a-9a55-3b0d2c6e7f01';

const uploaded: ImageRow = {
  id: ID,
  name: 'my-disk',
  status: 'active',
  disk_format: 'raw',
  container_format: 'bare',
  size_bytes: '1048576',
  checksum: 'c'.repeat(32),
  min_disk: 1,
  min_ram: 64,
  visibility: 'private',
  owner: 'demo',
  properties: { os_distro: 'cirros', 'owner_specified.openstack.md5': 'abc', name: 'not the name' },
  store_sha256: 'a'.repeat(64),
  os_hash_algo: 'sha512',
  os_hash_value: 'b'.repeat(128),
  protected: false,
  os_hidden: false,
  tags: ['x'],
  created_at: new Date('2024-01-02T03:04:05.678Z'),
  updated_at: new Date('2024-01-02T03:04:06Z'),
};

describe('glanceImageBody', () => {
  it("shows Glance's image: properties flattened, core attributes winning, references under /v2", () => {
    expect(glanceImageBody(uploaded)).toEqual({
      os_distro: 'cirros',
      'owner_specified.openstack.md5': 'abc',
      name: 'my-disk',
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'private',
      size: 1048576,
      virtual_size: null,
      status: 'active',
      checksum: 'c'.repeat(32),
      protected: false,
      min_ram: 64,
      min_disk: 1,
      owner: 'demo',
      os_hidden: false,
      os_hash_algo: 'sha512',
      os_hash_value: 'b'.repeat(128),
      id: ID,
      created_at: '2024-01-02T03:04:05Z',
      updated_at: '2024-01-02T03:04:06Z',
      tags: ['x'],
      self: `/v2/images/${ID}`,
      file: `/v2/images/${ID}/file`,
      schema: '/v2/schemas/image',
    });
  });

  it('shows a queued image with null size and digests', () => {
    const body = glanceImageBody({
      ...uploaded,
      status: 'queued',
      size_bytes: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      name: null,
      disk_format: null,
    });
    expect(body).toMatchObject({ status: 'queued', size: null, checksum: null, os_hash_value: null, name: null });
  });
});

describe('glanceImageList', () => {
  it('links first without the marker and next with the last id when the page is full', () => {
    const query = new URLSearchParams('limit=1&marker=old&status=active');
    expect(glanceImageList([uploaded], query, 1)).toMatchObject({
      first: '/v2/images?limit=1&status=active',
      next: `/v2/images?limit=1&status=active&marker=${ID}`,
      schema: '/v2/schemas/images',
    });
  });

  it('has no next link on a short page', () => {
    const body = glanceImageList([uploaded], new URLSearchParams(), 25);
    expect(body.first).toBe('/v2/images');
    expect(body.next).toBeUndefined();
  });
});
