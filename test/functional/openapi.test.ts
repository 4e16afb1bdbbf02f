import { ApiClient, expectNovaError } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// /openapi.json and /docs are served without a token, even when every compute call needs one.
let stack: TestStack;
let anonymous: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }], auth: { strategy: 'keystone' } });
  anonymous = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

describe('GET /openapi.json', () => {
  it('serves the document of the latest microversion without a token', async () => {
    expect((await anonymous.get('/v2.1/servers')).status).toBe(401);
    const reply = await anonymous.get('/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body.openapi).toBe('3.1.0');
    expect(reply.body.info.version).toBe('2.100');
    expect(Object.keys(reply.body.paths)).toEqual(
      expect.arrayContaining(['/v2.1/servers', '/identity/v3/auth/tokens']),
    );
  });

  it('serves another microversion on request, 406 outside the range and 400 for a malformed one', async () => {
    const old = await anonymous.get('/openapi.json?microversion=2.30');
    expect(old.body.info.version).toBe('2.30');
    expect(old.body.paths['/v2.1/images']).toBeDefined();
    expectNovaError(
      await anonymous.get('/openapi.json?microversion=2.999'),
      406,
      'computeFault',
      'Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.100.',
    );
    expectNovaError(
      await anonymous.get('/openapi.json?microversion=two'),
      400,
      'badRequest',
      'API Version String two is of invalid format. Must be of format MajorNum.MinorNum.',
    );
  });
});

describe('GET /docs', () => {
  it('serves the interactive page and its scripts from the service itself', async () => {
    const page = await fetch(`${stack.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script src="docs/swagger-ui-bundle.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);

    const bundle = await fetch(`${stack.baseUrl}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const init = await (await fetch(`${stack.baseUrl}/docs/init.js`)).text();
    expect(init).toContain("'openapi.json'");
    expect((await fetch(`${stack.baseUrl}/docs/swagger-ui.css`)).status).toBe(200);
  });
});
