import { Router } from 'express';
import { baseUrl, type Link } from '../links';
import { MAX_VERSION, MIN_VERSION } from '../microversion';

const DOCS: Link = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

/** The v2.1 entry Nova advertises (nova/api/openstack/compute/versions.py), minus its links. */
const V21 = {
  id: 'v2.1',
  status: 'CURRENT',
  version: MAX_VERSION,
  min_version: MIN_VERSION,
  updated: '2013-07-23T11:33:21Z',
};

/** v2.0 stays listed as deprecated, with empty version strings: clients skip it. */
const V20 = { id: 'v2.0', status: 'DEPRECATED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z' };

export function versionsDocument(root: string): { versions: unknown[] } {
  return {
    versions: [
      { ...V20, links: [{ rel: 'self', href: `${root}/v2/` }] },
      { ...V21, links: [{ rel: 'self', href: `${root}/v2.1/` }] },
    ],
  };
}

export function v21Document(root: string): { version: unknown } {
  return {
    version: {
      ...V21,
      links: [{ rel: 'self', href: `${root}/v2.1/` }, DOCS],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  };
}

/** Version discovery: GET / lists the API versions, GET /v2.1 describes the one we serve. */
export function createVersionsRouter(): Router {
  const router = Router({ strict: true });
  router.get('/', (req, res) => {
    res.json(versionsDocument(baseUrl(req)));
  });
  router.get(['/v2.1', '/v2.1/'], (req, res) => {
    res.json(v21Document(baseUrl(req)));
  });
  return router;
}
