import { parseVersion, type ApiVersion } from '../microversion';
import { createServerBody } from '../schemas/create-server';
import { openApiDocument } from './document';

type Json = Record<string, any>;

function at(text: string): ApiVersion {
  return parseVersion(text)!;
}

function operation(doc: Json, method: string, path: string): Json | undefined {
  return doc['paths'][path]?.[method];
}

describe('the OpenAPI document', () => {
  const latest = openApiDocument(at('2.100')) as Json;

  it('is OpenAPI 3.1 at the microversion asked for', () => {
    expect(latest['openapi']).toBe('3.1.0');
    expect(latest['info'].version).toBe('2.100');
    const header = operation(latest, 'get', '/v2.1/servers')!['parameters'].find(
      (p: Json) => p['name'] === 'OpenStack-API-Version',
    );
    expect(header).toMatchObject({ in: 'header', required: true, schema: { enum: ['compute 2.100'] } });
  });

  it("describes a create's body with the limits of the schema the router parses with", () => {
    const body = operation(latest, 'post', '/v2.1/servers')!['requestBody'].content['application/json'].schema;
    expect(body.properties.server.properties.name).toEqual({ type: 'string', minLength: 1, maxLength: 255 });
    expect(body.properties.server.additionalProperties).toBe(false);
    expect(Object.keys(body.properties.server.properties).sort()).toEqual(
      Object.keys(createServerBody.shape.server.shape).sort(),
    );
  });

  it('offers every server action as one of the action bodies, with its own fields', () => {
    const body = operation(latest, 'post', '/v2.1/servers/{id}/action')!['requestBody'].content['application/json'];
    const keys = body.schema.anyOf.map((option: Json) => Object.keys(option['properties'])[0]);
    expect(keys).toEqual(expect.arrayContaining(['os-stop', 'resize', 'os-migrateLive', 'unshelve', 'evacuate']));
    const reboot = body.schema.anyOf.find((option: Json) => option['properties'].reboot);
    expect(reboot.properties.reboot.properties.type.enum).toContain('HARD');
  });

  it('follows the microversion: fields and routes come and go', () => {
    const old = openApiDocument(at('2.1')) as Json;
    expect(operation(old, 'get', '/v2.1/images')).toBeDefined();
    expect(operation(openApiDocument(at('2.35')) as Json, 'get', '/v2.1/images')).toBeDefined();
    expect(operation(openApiDocument(at('2.36')) as Json, 'get', '/v2.1/images')).toBeUndefined();
    expect(operation(old, 'get', '/v2.1/servers/{server_id}/migrations')).toBeUndefined();
    const server = (doc: Json) =>
      operation(doc, 'get', '/v2.1/servers/{id}')!['responses']['200'].content['application/json'].schema.properties
        .server;
    expect(server(latest).required).toContain('locked');
    expect(server(old).properties.locked).toBeUndefined();
  });

  it('documents flavor management with its 2.55 description and the metadata item calls', () => {
    const old = openApiDocument(at('2.54')) as Json;
    const created = (doc: Json) =>
      operation(doc, 'post', '/v2.1/flavors')!['requestBody'].content['application/json'].schema.properties.flavor;
    expect(created(old).properties.description).toBeUndefined();
    expect(created(openApiDocument(at('2.55')) as Json).properties.description).toBeDefined();
    expect(operation(old, 'put', '/v2.1/flavors/{id}')).toBeUndefined();
    expect(operation(latest, 'put', '/v2.1/flavors/{id}')!['x-admin-only']).toBe(true);
    expect(operation(latest, 'get', '/v2.1/flavors/{flavor_id}/os-extra_specs')!['x-admin-only']).toBeUndefined();
    const access = operation(latest, 'post', '/v2.1/flavors/{flavor_id}/action')!;
    const actions = access['requestBody'].content['application/json'].schema.anyOf;
    expect(actions.map((option: Json) => option['required'][0])).toEqual(['addTenantAccess', 'removeTenantAccess']);
    const item = operation(latest, 'put', '/v2.1/servers/{server_id}/metadata/{key}')!;
    const meta = item['requestBody'].content['application/json'].schema.properties.meta;
    expect(meta.additionalProperties).toEqual({ type: 'string', maxLength: 255 });
    expect(item['responses']['409']).toBeDefined();
    expect(
      Object.keys(operation(latest, 'delete', '/v2.1/servers/{server_id}/metadata/{key}')!['responses']),
    ).toContain('204');
  });

  it("marks admin-only operations and answers in each API's own error format", () => {
    const migrations = operation(latest, 'get', '/v2.1/os-migrations')!;
    expect(migrations['x-admin-only']).toBe(true);
    expect(migrations['responses']['403'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/NovaError',
    });
    const token = operation(latest, 'post', '/identity/v3/auth/tokens')!;
    expect(token['responses']['401'].content['application/json'].schema.required).toEqual(['error']);
    expect(token['parameters'].some((p: Json) => p['name'] === 'OpenStack-API-Version')).toBe(false);
  });

  it('documents Idempotency-Key where it is honoured, and 422 with it', () => {
    for (const path of ['/v2.1/servers', '/v2.1/servers/{id}/action']) {
      const op = operation(latest, 'post', path)!;
      expect(op['parameters'].map((p: Json) => p['name'])).toContain('Idempotency-Key');
      expect(op['responses']['422']).toBeDefined();
    }
    const keypairs = operation(latest, 'post', '/v2.1/os-keypairs')!;
    expect(keypairs['parameters'].map((p: Json) => p['name'])).not.toContain('Idempotency-Key');
  });
});
