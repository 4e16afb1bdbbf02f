import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../domain/password';
import type { Sql } from './db';

export interface IdentitySeed {
  adminPassword: string;
  demoPassword: string;
}

/** Keystone-style ids: a UUID's 32 hex digits. */
const keystoneId = () => randomUUID().replaceAll('-', '');

/**
 * Creates the `admin` user in project `admin` (role admin) and the `demo` user in project `demo` (role member).
 * Existing projects and users are left as they are: a restart never resets a password that was changed.
 */
export async function seedIdentity(sql: Sql, seed: IdentitySeed): Promise<void> {
  const accounts = [
    { name: 'admin', password: seed.adminPassword, role: 'admin' },
    { name: 'demo', password: seed.demoPassword, role: 'member' },
  ];
  for (const account of accounts) {
    const passwordHash = await hashPassword(account.password);
    await sql.begin(async (tx) => {
      await tx`INSERT INTO projects (id, name) VALUES (${keystoneId()}, ${account.name}) ON CONFLICT DO NOTHING`;
      const [project] = await tx<{ id: string }[]>`
        SELECT id FROM projects WHERE domain_id = 'default' AND name = ${account.name}`;
      await tx`
        INSERT INTO users (id, name, password_hash, default_project_id)
        VALUES (${keystoneId()}, ${account.name}, ${passwordHash}, ${project!.id})
        ON CONFLICT DO NOTHING`;
      await tx`
        INSERT INTO role_assignments (user_id, project_id, role_id)
        SELECT u.id, ${project!.id}, r.id FROM users u, roles r
        WHERE u.domain_id = 'default' AND u.name = ${account.name} AND r.name = ${account.role}
        ON CONFLICT DO NOTHING`;
    });
  }
}
