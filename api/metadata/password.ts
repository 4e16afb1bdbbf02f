import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { SERVER_PASSWORD_MAX_BYTES, type ServerPasswordPostOutcome } from '../../domain/server-password';
import { postServerPasswordWorkflow } from '../../workflows/server-password';
import type { Operations } from '../operations';
import { startServerTask } from '../server-task';
import { MetadataBadRequest } from './errors';

/** Stores what a guest posted through the conductor; the metadata service itself never writes. */
export type PasswordPoster = (guest: {
  instanceUuid: string;
  projectId: string;
  password: string;
}) => Promise<ServerPasswordPostOutcome>;

/** A guest's POST as a server task (`instance-<uuid>-password-<request id>`), beside the server's other runs. */
export function passwordPoster(operations: Operations): PasswordPoster {
  return ({ instanceUuid, projectId, password }) =>
    startServerTask(operations, {
      task: 'password',
      workflow: postServerPasswordWorkflow,
      input: { instanceUuid, password, settings: operations.settings },
      instance: { uuid: instanceUuid },
      ctx: { requestId: `req-${randomUUID()}`, userId: 'metadata-service', projectId, isAdmin: false },
      summary: `store the admin password the guest of ${instanceUuid} posted to the metadata service`,
    });
}

const tooLarge = () => new MetadataBadRequest('Request is too large.');

/**
 * The posted password: at most Nova's 1,020 bytes (checked against Content-Length first, then while reading),
 * and text, since Nova keeps it as a string (a NUL or bytes that are not UTF-8 could not be stored).
 */
export async function readPostedPassword(req: Request): Promise<string> {
  if (Number(req.get('content-length') ?? 0) > SERVER_PASSWORD_MAX_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > SERVER_PASSWORD_MAX_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new MetadataBadRequest('The password must be UTF-8 text.');
  }
  if (text.includes('\0')) throw new MetadataBadRequest('The password must not contain NUL characters.');
  return text;
}
