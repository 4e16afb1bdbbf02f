import { parseVersion } from '../../api/microversion';
import { flavorBodySchema } from '../../api/views/flavor-schema';
import { useTestStack } from '../support/use-test-stack';

// Found by schemathesis (positive mode): POST /flavors with rxtx_factor 7.314778525704888e-244 answered 500. Nova's
// schema takes any number above 0 up to SQL_SP_FLOAT_MAX, but the column was single precision: PostgreSQL refuses
// a value that rounds to 0 there ("out of range for type real"). A valid flavor is created and shown as sent.
const env = useTestStack({ hosts: [] });

const TINY = 7.314778525704888e-244;

it('creates a flavor whose rxtx_factor is positive but below single precision, and shows it as sent', async () => {
  const created = await env.api.post('/v2.1/flavors', {
    flavor: { name: 'tiny-rxtx', id: 'tiny-rxtx', ram: 2048, vcpus: 3, disk: 10, rxtx_factor: TINY },
  });
  expect(created.status).toBe(200);
  expect(created.body.flavor.rxtx_factor).toBe(TINY);
  expect(() => flavorBodySchema(parseVersion('2.1')!).parse(created.body)).not.toThrow();

  const shown = await env.api.get('/v2.1/flavors/tiny-rxtx');
  expect(shown.status).toBe(200);
  expect(shown.body.flavor.rxtx_factor).toBe(TINY);
});

it('keeps the largest rxtx_factor Nova takes and a decimal one exactly', async () => {
  for (const [id, factor] of [
    ['max-rxtx', 3.40282e38],
    ['decimal-rxtx', 1.1],
  ] as const) {
    const created = await env.api.post('/v2.1/flavors', {
      flavor: { name: id, id, ram: 512, vcpus: 1, disk: 1, rxtx_factor: factor },
    });
    expect([created.status, created.body.flavor.rxtx_factor]).toEqual([200, factor]);
    expect((await env.api.get(`/v2.1/flavors/${id}`)).body.flavor.rxtx_factor).toBe(factor);
  }
});
