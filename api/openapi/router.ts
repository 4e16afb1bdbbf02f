import path from 'node:path';
import express, { Router } from 'express';
import { formatVersion, parseVersionHeader, type ApiVersion } from '../microversion';
import { openApiDocument } from './document';

// swagger-ui-dist ships the page's scripts and styles: served from node_modules, never from a CDN.
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>nova-temporal API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

// Relative to the page, so the document is found behind a proxy that mounts the API under a prefix.
const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', window.location.href.replace(/docs\\/?$/, '')).toString(),
  dom_id: '#swagger-ui',
  deepLinking: true,
});
`;

/** `?microversion=N.M` (or `latest`), checked like the microversion header: 400 malformed, 406 out of range. */
function requestedVersion(query: unknown): ApiVersion {
  const value = typeof query === 'string' ? query : 'latest';
  return parseVersionHeader({ 'x-openstack-nova-api-version': value });
}

/** GET /openapi.json (no token: it describes the API, nothing of its data) and the /docs page over it. */
export function createOpenApiRouter(): Router {
  const router = Router({ strict: true });
  const documents = new Map<string, Record<string, unknown>>();
  router.get('/openapi.json', (req, res) => {
    const version = requestedVersion(req.query['microversion']);
    const key = formatVersion(version);
    let document = documents.get(key);
    if (!document) documents.set(key, (document = openApiDocument(version)));
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.use('/docs', express.static(SWAGGER_UI_DIR, { index: false, fallthrough: true }));
  return router;
}
