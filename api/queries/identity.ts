import type { Sql } from 'postgres';

/** Read-only lookups for the built-in identity service and for token validation on every API request. */

export interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  password_hash: string;
  default_project_id: string | null;
  enabled: boolean;
}

export interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
}

/** A type alias rather than an interface so that it serializes through `sql.json`. */
export type RoleRef = { id: string; name: string };

/** A live token (not expired, not revoked) with the names Keystone's token body repeats. */
export interface TokenRow {
  user_id: string;
  user_name: string;
  user_domain_id: string;
  project_id: string;
  project_name: string;
  project_domain_id: string;
  roles: RoleRef[];
  methods: string[];
  audit_id: string;
  issued_at: Date;
  expires_at: Date;
}

export async function findUser(
  sql: Sql,
  ref: { id: string } | { name: string; domainId: string },
): Promise<UserRow | undefined> {
  const where = 'id' in ref ? sql`id = ${ref.id}` : sql`domain_id = ${ref.domainId} AND name = ${ref.name}`;
  const [row] = await sql<UserRow[]>`
    SELECT id, name, domain_id, password_hash, default_project_id, enabled FROM users WHERE ${where}`;
  return row;
}

export async function findProject(
  sql: Sql,
  ref: { id: string } | { name: string; domainId: string },
): Promise<ProjectRow | undefined> {
  const where = 'id' in ref ? sql`id = ${ref.id}` : sql`domain_id = ${ref.domainId} AND name = ${ref.name}`;
  const [row] = await sql<ProjectRow[]>`SELECT id, name, domain_id, enabled FROM projects WHERE ${where}`;
  return row;
}

/** The roles a user holds on a project, by name. */
export async function rolesOn(sql: Sql, userId: string, projectId: string): Promise<RoleRef[]> {
  return sql<RoleRef[]>`
    SELECT r.id, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
    WHERE a.user_id = ${userId} AND a.project_id = ${projectId}
    ORDER BY r.name`;
}

/** The token with this SHA-256 hash, if it is neither expired nor revoked and its user and project are enabled. */
export async function findLiveToken(sql: Sql, tokenHash: string): Promise<TokenRow | undefined> {
  const [row] = await sql<TokenRow[]>`
    SELECT t.user_id, u.name AS user_name, u.domain_id AS user_domain_id, t.project_id, p.name AS project_name,
      p.domain_id AS project_domain_id, t.roles, t.methods, t.audit_id, t.issued_at, t.expires_at
    FROM tokens t JOIN users u ON u.id = t.user_id JOIN projects p ON p.id = t.project_id
    WHERE t.token_hash = ${tokenHash} AND NOT t.revoked AND t.expires_at > now() AND u.enabled AND p.enabled`;
  return row;
}

/** Projects by optional name and domain, by name. */
export async function listProjects(
  sql: Sql,
  filter: { name?: string | undefined; domainId?: string | undefined },
): Promise<ProjectRow[]> {
  const name = filter.name === undefined ? sql`TRUE` : sql`name = ${filter.name}`;
  const domain = filter.domainId === undefined ? sql`TRUE` : sql`domain_id = ${filter.domainId}`;
  return sql<ProjectRow[]>`
    SELECT id, name, domain_id, enabled FROM projects WHERE ${name} AND ${domain} ORDER BY name`;
}
