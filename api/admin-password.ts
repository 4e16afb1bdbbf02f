import { randomBytes } from 'node:crypto';

/**
 * A fresh admin password for a reply (create, rescue). It is a secret: the API returns it once and never
 * stores, logs or hands it to a workflow.
 */
export function generateAdminPassword(): string {
  return randomBytes(9).toString('base64').replace(/[+/=]/g, 'x');
}
