import os from 'node:os';
import type { Express } from 'express';
import type { Sql } from 'postgres';
import pino from 'pino';
import { createApiApp } from '../app';
import type { Operations } from '../operations';
import { LocalImageStore } from '../../storage/image-store';
import { OPERATIONS } from './operations';

interface Layer {
  rawPath?: string | string[];
  route?: { methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** The alias mount Nova clients may use: the same router as /v2.1, so not documented twice. */
const PROJECT_ALIAS = '/v2.1/:project_id';

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** `METHOD /path` for every route in an express router tree (catch-all `all` layers excepted). */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    const paths = [layer.rawPath ?? '/'].flat();
    if (layer.route) {
      const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
      return paths.flatMap((p) => methods.map((m) => `${m.toUpperCase()} ${joinPath(prefix, p)}`));
    }
    if (!layer.handle.stack) return [];
    return paths.filter((p) => p !== PROJECT_ALIAS).flatMap((p) => routesOf(layer.handle.stack!, joinPath(prefix, p)));
  });
}

function buildApp(): Express {
  // Only the router tree is read: nothing here connects to PostgreSQL or Temporal.
  return createApiApp({
    sql: {} as Sql,
    operations: {} as Operations,
    log: pino({ level: 'silent' }),
    maxLimit: 1000,
    images: new LocalImageStore(os.tmpdir()),
  });
}

describe('the OpenAPI operation list', () => {
  const app = buildApp();
  const served = new Set(routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack));
  const documented = new Set(OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`));

  it('has an entry for every route the app serves', () => {
    expect([...served].filter((route) => !documented.has(route)).sort()).toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    expect([...documented].filter((route) => !served.has(route)).sort()).toEqual([]);
  });

  it('finds the routes of nested routers (a sanity check of the walk itself)', () => {
    expect(served).toContain('POST /v2.1/servers/{id}/action');
    expect(served).toContain('PATCH /image/v2/images/{id}');
    expect(served).toContain('POST /identity/v3/auth/tokens');
    expect(served.size).toBeGreaterThan(60);
  });

  it('lists each method and path once', () => {
    expect(documented.size).toBe(OPERATIONS.length);
  });
});
