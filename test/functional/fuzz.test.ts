import {
  fuzzAndExpectClean,
  installSchemathesis,
  operationCount,
  writeFuzzSchema,
  type FuzzOptions,
} from '../support/schemathesis';
import { startTestStack, type TestStack } from '../support/test-stack';

// schemathesis (PyPI) fuzzes the API from its own /openapi.json. Valid requests (positive mode) must get
// answers the document describes; invalid ones (negative mode) a documented 4xx, never a 5xx. Bounded: a fixed
// seed, a few examples per operation and a time budget per mode. Output: test-results/schemathesis/.
let stack: TestStack;
let target: Pick<FuzzOptions, 'schema' | 'operations' | 'url'>;

beforeAll(async () => {
  installSchemathesis();
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  const doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as { paths: Record<string, object> };
  target = { schema: writeFuzzSchema('openapi', doc), operations: operationCount(doc), url: stack.baseUrl };
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

it('answers valid requests as the document describes, in every API', async () => {
  await fuzzAndExpectClean({
    ...target,
    mode: 'positive',
    report: 'positive',
    maxTimeS: 60,
    checks: [
      'not_a_server_error',
      'status_code_conformance',
      'content_type_conformance',
      'response_schema_conformance',
    ],
  });
}, 180_000);

it('answers invalid requests with a documented error and never a 5xx', async () => {
  await fuzzAndExpectClean({
    ...target,
    mode: 'negative',
    report: 'negative',
    maxTimeS: 60,
    checks: ['not_a_server_error', 'status_code_conformance', 'content_type_conformance'],
  });
}, 180_000);
