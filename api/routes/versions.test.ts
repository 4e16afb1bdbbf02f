import { v21Document, versionsDocument } from './versions';

const ROOT = 'http://nova.test:8774';

describe('versionsDocument', () => {
  it('lists v2.0 as deprecated and v2.1 as current with its microversion range', () => {
    expect(versionsDocument(ROOT)).toEqual({
      versions: [
        {
          id: 'v2.0',
          status: 'DEPRECATED',
          version: '',
          min_version: '',
          updated: '2011-01-21T11:33:21Z',
          links: [{ rel: 'self', href: `${ROOT}/v2/` }],
        },
        {
          id: 'v2.1',
          status: 'CURRENT',
          version: '2.100',
          min_version: '2.1',
          updated: '2013-07-23T11:33:21Z',
          links: [{ rel: 'self', href: `${ROOT}/v2.1/` }],
        },
      ],
    });
  });
});

describe('v21Document', () => {
  it('describes v2.1 with self and describedby links and its media type', () => {
    expect(v21Document(ROOT)).toEqual({
      version: {
        id: 'v2.1',
        status: 'CURRENT',
        version: '2.100',
        min_version: '2.1',
        updated: '2013-07-23T11:33:21Z',
        links: [
          { rel: 'self', href: `${ROOT}/v2.1/` },
          { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
        ],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
      },
    });
  });
});
