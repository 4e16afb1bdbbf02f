import { z } from 'zod';

/** `{"id": ...}` or `{"name": ...}`: how Keystone requests name a domain. */
const domainRef = z.object({ id: z.string().optional(), name: z.string().optional() });

const passwordUser = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  domain: domainRef.optional(),
  password: z.string(),
});

const projectRef = z.object({ id: z.string().optional(), name: z.string().optional(), domain: domainRef.optional() });

/** POST /v3/auth/tokens: password or token authentication, optionally scoped to a project. */
export const authRequest = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z.object({ user: passwordUser }).optional(),
      token: z.object({ id: z.string() }).optional(),
    }),
    scope: z.union([z.literal('unscoped'), z.object({ project: projectRef.optional() })]).optional(),
  }),
});
export type AuthRequest = z.infer<typeof authRequest>;
export type DomainRef = z.infer<typeof domainRef>;

/** Only the `default` domain exists: it answers to id `default` and name `Default`. */
export function domainIdOf(ref: DomainRef | undefined): string | null {
  if (!ref) return 'default';
  if (ref.id !== undefined) return ref.id === 'default' ? 'default' : null;
  if (ref.name !== undefined) return ref.name === 'Default' ? 'default' : null;
  return null;
}
