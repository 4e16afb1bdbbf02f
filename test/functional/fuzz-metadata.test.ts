import { metadataOpenApiDocument } from '../../api/metadata/openapi';
import { ApiClient } from '../support/http';
import {
  fuzzAndExpectClean,
  installSchemathesis,
  operationCount,
  writeFuzzSchema,
  type FuzzOptions,
  type HarEntry,
} from '../support/schemathesis';
import { startTestStack, type TestStack } from '../support/test-stack';

// schemathesis fuzzes the metadata service (its own port) from the document api/metadata/openapi.ts builds. With
// the proxy's headers of a real instance fixed, every valid request reads that instance: a 200 the document
// describes. With a forged signature, nothing but the root answers, and nothing of the instance ever shows.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB alice@laptop';
const USER_DATA = '#cloud-config\nfqdn: fuzz-target.example\n';

let stack: TestStack;
let target: Pick<FuzzOptions, 'schema' | 'operations' | 'url'>;
let templates: string[];
/** The instance the fuzzer reads: user data, key pair, metadata, a flavor with ephemeral disk and swap. */
let instanceId: string;
let signed: Record<string, string>;

beforeAll(async () => {
  installSchemathesis();
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  const admin = new ApiClient(stack.baseUrl);
  const flavor = { name: 'm1.disks', id: 'disks', ram: 512, vcpus: 1, disk: 1, swap: 256 };
  expect((await admin.post('/v2.1/flavors', { flavor: { ...flavor, 'OS-FLV-EXT-DATA:ephemeral': 1 } })).status).toBe(
    200,
  );
  const alice = new ApiClient(stack.baseUrl).as('alice:project-a');
  expect((await alice.post('/v2.1/os-keypairs', { keypair: { name: 'laptop', public_key: ED25519 } })).status).toBe(
    200,
  );
  instanceId = await alice.createServer({
    name: 'fuzz-target',
    flavorRef: 'disks',
    key_name: 'laptop',
    user_data: Buffer.from(USER_DATA).toString('base64'),
    metadata: { role: 'fuzzed' },
  });
  await alice.waitForStatus(instanceId, 'ACTIVE');
  signed = await stack.metadataProxy('host-a').signedHeaders(instanceId);
  const doc = metadataOpenApiDocument() as { paths: Record<string, object> };
  templates = Object.keys(doc.paths);
  target = {
    schema: writeFuzzSchema('metadata-openapi', doc),
    operations: operationCount(doc),
    url: stack.metadataUrl,
  };
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

const fixed = (headers: Record<string, string>) =>
  Object.entries(headers).map(([name, value]) => `--header=${name}:${value}`);
const pathOf = (entry: HarEntry) => new URL(entry.request.url).pathname;
const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/** The document's path a request was for: its own literal path first (`/openstack` is not `/{version}`). */
function templateOf(entry: HarEntry): string | undefined {
  const path = pathOf(entry);
  const pattern = (t: string) => new RegExp(`^${escape(t).replace('{version}', '[^/]+')}$`);
  return templates.find((t) => t === path) ?? templates.find((t) => pattern(t).test(path));
}

it("answers the signed requests of a real instance with 200 and the document's content and schema", async () => {
  const exchanges = await fuzzAndExpectClean({
    ...target,
    mode: 'all',
    report: 'metadata-signed',
    maxTimeS: 45,
    checks: [
      'not_a_server_error',
      'status_code_conformance',
      'content_type_conformance',
      'response_schema_conformance',
      // Every path exists for this instance at every version the document gives it: nothing else than a 200.
      'positive_data_acceptance',
    ],
    args: fixed(signed),
  });
  // positive_data_acceptance holds trivially for a path never tried: each one got its 200.
  const ok = new Set(exchanges.filter((e) => e.response.status === 200).map(templateOf));
  expect(templates.filter((t) => !ok.has(t))).toEqual([]);
  const reads = exchanges.filter((e) => pathOf(e).endsWith('/meta_data.json') && e.response.status === 200);
  expect(reads.length).toBeGreaterThan(0);
  for (const read of reads) expect(JSON.parse(read.response.content.text!)).toMatchObject({ uuid: instanceId });
}, 180_000);

it("refuses forged signatures for the instance's real id and project: 403, never a 5xx or its data", async () => {
  // What a neighbour knows (the instance's id and project), without the shared secret: the signature is fuzzed.
  const exchanges = await fuzzAndExpectClean({
    ...target,
    mode: 'all',
    report: 'metadata-forged',
    maxTimeS: 45,
    checks: ['not_a_server_error', 'status_code_conformance', 'content_type_conformance'],
    args: fixed({ 'X-Instance-ID': signed['X-Instance-ID']!, 'X-Tenant-ID': signed['X-Tenant-ID']! }),
  });
  expect(exchanges.length).toBeGreaterThan(target.operations);
  // The coverage phase also tries other methods: a 405 before anyone is asked who they are, but for a POST of
  // the password, which is the guest's own and as signed as a read.
  const kindOf = (e: HarEntry) => {
    if (e.request.method === 'GET') return 'read';
    return e.request.method === 'POST' && /^\/openstack\/[^/]+\/password$/.test(pathOf(e)) ? 'password post' : 'other';
  };
  const answered = exchanges.filter((e) => pathOf(e) !== '/').map((e) => `${kindOf(e)} ${e.response.status}`);
  expect(new Set(answered)).toEqual(new Set(['read 403', 'password post 403', 'other 405']));
  const leaks = exchanges.filter((e) =>
    [instanceId, 'fuzz-target', 'fqdn', ED25519.slice(12, 40)].some((secret) =>
      e.response.content.text?.includes(secret),
    ),
  );
  expect(leaks.map((e) => `${e.response.status} ${e.request.url}`)).toEqual([]);
}, 180_000);
