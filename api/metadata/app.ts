import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { isValidInstanceSignature } from '../../domain/metadata-signature';
import { getInstanceVersion, getMetadataInstance } from '../queries/metadata';
import { VersionedCache } from './cache';
import { instanceDocument, type InstanceDocument } from './document';
import {
  InvalidProxySignature,
  MetadataMethodNotAllowed,
  MetadataNotFound,
  MissingProxyHeader,
  createMetadataErrorHandler,
} from './errors';
import { isRoot, lookup, normalizePath, rootListing, type MetadataReply } from './tree';

export interface MetadataDeps {
  sql: Sql;
  log: Logger;
  /** The proxy's shared secret: requests must carry its signature of their X-Instance-ID. */
  secret: string;
  cacheExpirationMs: number;
  dhcpDomain: string;
  /** Bounds the cache's memory; the least recently loaded instances go first. */
  cacheMaxEntries?: number;
}

/**
 * nova-api-metadata: what an instance reads about itself, through its host's proxy. Requests are pure reads: one
 * primary-key lookup decides whether the cached document still holds; no workflow ever starts here.
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

  app.use(async (req: Request, res: Response) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new MetadataMethodNotAllowed(req.method);
    const path = normalizePath(decodePath(req.path));
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
    const reply = lookup(await documentFor(instanceId, tenantId), path, today());
    if (!reply) throw new MetadataNotFound();
    send(res, reply);
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
