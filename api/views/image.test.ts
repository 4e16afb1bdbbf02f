import type { ImageRow } from '../../domain/rows';
import { imageDetailView, imageSummaryView } from './image';

const ROOT = 'http://nova.test';
const ID = '70a599e0-31e7-49b7-b260-868f441e862b';

const cirros: ImageRow = {
  id: ID,
  name: 'cirros',
  status: 'active',
  disk_format: 'qcow2',
  container_format: 'bare',
  size_bytes: '21430272',
  checksum: null,
  min_disk: 1,
  min_ram: 64,
  visibility: 'public',
  owner: null,
  properties: { os_distro: 'cirros' },
  store_sha256: null,
  os_hash_algo: null,
  os_hash_value: null,
  protected: false,
  os_hidden: false,
  tags: [],
  created_at: new Date('2024-01-02T03:04:05.500Z'),
  updated_at: new Date('2024-01-02T03:04:06Z'),
};

describe('imageSummaryView', () => {
  it('gives id, name and self, bookmark and alternate links', () => {
    expect(imageSummaryView(cirros, { baseUrl: ROOT })).toEqual({
      id: ID,
      name: 'cirros',
      links: [
        { rel: 'self', href: `${ROOT}/v2.1/images/${ID}` },
        { rel: 'bookmark', href: `${ROOT}/images/${ID}` },
        { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${ROOT}/image/images/${ID}` },
      ],
    });
  });
});

describe('imageDetailView', () => {
  it('shows an active image as Nova proxies it', () => {
    expect(imageDetailView(cirros, { baseUrl: ROOT })).toEqual({
      id: ID,
      name: 'cirros',
      minRam: 64,
      minDisk: 1,
      metadata: { os_distro: 'cirros' },
      created: '2024-01-02T03:04:05Z',
      updated: '2024-01-02T03:04:06Z',
      status: 'ACTIVE',
      progress: 100,
      'OS-EXT-IMG-SIZE:size': 21430272,
      links: imageSummaryView(cirros, { baseUrl: ROOT })['links'],
    });
  });

  it('shows a queued snapshot as SAVING at 25% with its server and null size', () => {
    const server = '3f9a2c4e-1b2d-4c3e-8f4a-5b6c7d8e9f01';
    const snapshot = { ...cirros, status: 'queued', size_bytes: null, properties: { instance_uuid: server } };
    expect(imageDetailView(snapshot, { baseUrl: ROOT })).toMatchObject({
      status: 'SAVING',
      progress: 25,
      'OS-EXT-IMG-SIZE:size': null,
      server: { id: server, links: [{ rel: 'self' }, { rel: 'bookmark' }] },
    });
  });

  it('derives OS-DCF:diskConfig from an auto_disk_config property', () => {
    const auto = { ...cirros, properties: { auto_disk_config: 'True' } };
    expect(imageDetailView(auto, { baseUrl: ROOT })['OS-DCF:diskConfig']).toBe('AUTO');
    expect(imageDetailView(cirros, { baseUrl: ROOT })).not.toHaveProperty('OS-DCF:diskConfig');
  });
});
