import type { TokenRow } from '../queries/identity';

/** Keystone's timestamps: ISO 8601 with microseconds (`2015-03-24T21:16:12.000000Z`). */
export function keystoneTime(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const DEFAULT_DOMAIN = { id: 'default', name: 'Default' };

function domainOf(id: string): { id: string; name: string } {
  return id === DEFAULT_DOMAIN.id ? DEFAULT_DOMAIN : { id, name: id };
}

const SERVICES = [
  { id: '6b1e1b2a0f9c4c55a2b4d0c1e7f3a001', type: 'compute', name: 'nova', path: '/v2.1' },
  { id: '6b1e1b2a0f9c4c55a2b4d0c1e7f3a002', type: 'identity', name: 'keystone', path: '/identity/v3' },
  { id: '6b1e1b2a0f9c4c55a2b4d0c1e7f3a003', type: 'image', name: 'glance', path: '/image' },
];
const INTERFACES = ['public', 'internal', 'admin'] as const;

/** The service catalog: every service at the address the client used, in region RegionOne. */
export function catalog(root: string): unknown[] {
  return SERVICES.map((s) => ({
    id: s.id,
    type: s.type,
    name: s.name,
    endpoints: INTERFACES.map((iface, i) => ({
      id: `${s.id.slice(0, -1)}${i}`,
      interface: iface,
      region_id: 'RegionOne',
      region: 'RegionOne',
      url: `${root}${s.path}`,
    })),
  }));
}

/** `{"token": {...}}` as Keystone returns it from POST and GET /v3/auth/tokens. */
export function tokenBody(token: TokenRow, root: string, withCatalog = true): { token: Record<string, unknown> } {
  return {
    token: {
      methods: token.methods,
      user: {
        id: token.user_id,
        name: token.user_name,
        domain: domainOf(token.user_domain_id),
        password_expires_at: null,
      },
      project: { id: token.project_id, name: token.project_name, domain: domainOf(token.project_domain_id) },
      roles: token.roles,
      is_domain: false,
      expires_at: keystoneTime(token.expires_at),
      issued_at: keystoneTime(token.issued_at),
      audit_ids: [token.audit_id],
      ...(withCatalog ? { catalog: catalog(root) } : {}),
    },
  };
}
