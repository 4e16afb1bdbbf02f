import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { isValidInstanceSignature } from '../../domain/metadata-signature';
import { ServiceUnavailable } from '../errors';
import { getInstanceVersion, getMetadataInstance } from '../queries/metadata';
import { VersionedCache } from './cache';
import { instanceDocument, type InstanceDocument } from './document';
import {
  InvalidProxySignature,
  MetadataConflict,
  MetadataMethodNotAllowed,
  MetadataNotFound,
  MetadataUnavailable,
  MissingProxyHeader,
  createMetadataErrorHandler,
} from './errors';
import { readPostedPassword, type PasswordPoster } from './password';
import { MimeType, isPasswordPath, isRoot, lookup, normalizePath, rootListing, type MetadataReply } from './tree';

export interface MetadataDeps {
  sql: Sql;
  log: Logger;
  /** The proxy's shared secret: requests must carry its signature of their X-Instance-ID. */
  secret: string;
  cacheExpirationMs: number;
  dhcpDomain: string;
  /** Bounds the cache's memory; the least recently loaded instances go first. */
  cacheMaxEntries?: number;
  /** Where a guest's posted password goes: the conductor, through a workflow. */
  postPassword: PasswordPoster;
}

/**
 * nova-api-metadata: what an instance reads about itself, through its host's proxy. Reads are pure reads: one
 * primary-key lookup decides whether the cached document still holds. The one write, a guest posting its
 * encrypted admin password, is the conductor's, through a workflow.
 */
export function createMetadataApp(deps: MetadataDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const cache = new VersionedCache<InstanceDocument>({
    expirationMs: deps.cacheExpirationMs,
    maxEntries: deps.cacheMaxEntries ?? 10_000,
  });

  const documentFor = async (instanceId: string, tenantId: string): Promise<InstanceDocument> => {
    const current = await getInstanceVersion(deps.sql, instanceId);
    if (!current) {
      cache.evict(instanceId);
      throw new MetadataNotFound();
    }
    // Nova: a signed id of another project's instance is a 404, as if it did not exist.
    if (current.project_id !== tenantId) {
      deps.log.warn({ instanceId, tenantId }, 'metadata request for an instance of another project');
      throw new MetadataNotFound();
    }
    const doc = await cache.get(instanceId, current.version, async () => {
      const row = await getMetadataInstance(deps.sql, instanceId);
      return row && { value: instanceDocument(row, deps.dhcpDomain), version: row.version };
    });
    if (!doc || doc.projectId !== tenantId) throw new MetadataNotFound();
    return doc;
  };

  /** Nova's handle_password: a guest posts its password once; a second post is a conflict, an empty one nothing. */
  const postPassword = async (req: Request, doc: InstanceDocument) => {
    if (doc.password) throw new MetadataConflict();
    const password = await readPostedPassword(req);
    if (!password) return;
    const outcome = await deps
      .postPassword({ instanceUuid: doc.uuid, projectId: doc.projectId, password })
      .catch((err: unknown) => {
        if (!isUnavailable(err)) throw err;
        deps.log.warn({ err, instanceId: doc.uuid }, 'a posted password was not stored in time');
        throw new MetadataUnavailable();
      });
    if (outcome === 'already-set') throw new MetadataConflict();
    if (outcome === 'gone') throw new MetadataNotFound();
  };

  app.use(async (req: Request, res: Response) => {
    const posting = req.method === 'POST';
    if (req.method !== 'GET' && req.method !== 'HEAD' && !posting) throw new MetadataMethodNotAllowed(req.method);
    const path = normalizePath(decodePath(req.path));
    if (posting && !isPasswordPath(path)) throw new MetadataMethodNotAllowed(req.method);
    // Nova answers the root (the EC2 versions) before it asks who is calling; it says nothing about anyone.
    if (isRoot(path)) return send(res, rootListing());
    const instanceId = req.get('X-Instance-ID');
    if (!instanceId || !isValidInstanceSignature(deps.secret, instanceId, req.get('X-Instance-ID-Signature'))) {
      // Never the signature itself: a valid one is a credential (Nova bug 2150094).
      deps.log.info({ instanceId, remote: req.ip }, 'metadata request without a valid proxy signature');
      throw new InvalidProxySignature();
    }
    const tenantId = req.get('X-Tenant-ID');
    if (tenantId === undefined) throw new MissingProxyHeader('X-Tenant-ID');
    const doc = await documentFor(instanceId, tenantId);
    // A POST too names a file that must exist at its version: a password file before 2013-04-04 is a 404.
    const reply = lookup(doc, path, today());
    if (!reply) throw new MetadataNotFound();
    if (!posting) return send(res, reply);
    await postPassword(req, doc);
    send(res, { body: '', contentType: MimeType.Html });
  });
  app.use(createMetadataErrorHandler(deps.log));
  return app;
}

function send(res: Response, reply: MetadataReply): void {
  res.status(200).type(reply.contentType).send(reply.body);
}

/** webob hands Nova the decoded path; a path that does not decode names nothing. */
function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MetadataNotFound();
  }
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Temporal or the conductor not answering in time (worth the guest's retry), rather than a failure of ours. */
function isUnavailable(err: unknown): boolean {
  return err instanceof ServiceUnavailable || err instanceof ServiceError || isGrpcServiceError(err);
}
