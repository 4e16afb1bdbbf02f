import type { MetadataProxyConfig } from '../../config';
import { signInstanceId } from '../../domain/metadata-signature';
import { GuestNotFound } from './errors';
import type { FakeHypervisor } from './fake-hypervisor';

/** A guest whose record does not say its project (defined before guests kept one): the proxy cannot name it. */
export class GuestProjectUnknown extends Error {
  constructor(
    readonly instanceUuid: string,
    readonly host: string,
  ) {
    super(`Guest ${instanceUuid} on host ${host} has no project recorded; its metadata requests cannot be signed.`);
    this.name = 'GuestProjectUnknown';
  }
}

/** What the metadata service answered a guest. */
export interface MetadataResponse {
  status: number;
  contentType: string | null;
  body: Buffer;
  text(): string;
}

/**
 * The host's metadata proxy, Neutron's metadata agent in miniature: a guest's request for
 * http://169.254.169.254/<path> leaves the host with the guest's instance id, its project, and the proxy's
 * signature of the id (HMAC-SHA256 with the shared secret). It only speaks for guests defined on its own host,
 * so a guest can only ever read its own metadata.
 */
export class MetadataProxy {
  constructor(
    private readonly hypervisor: FakeHypervisor,
    private readonly config: MetadataProxyConfig,
  ) {}

  /** The headers the proxy adds for a guest of this host. */
  async signedHeaders(instanceUuid: string): Promise<Record<string, string>> {
    const guest = await this.hypervisor.getGuest(instanceUuid);
    if (!guest) throw new GuestNotFound(instanceUuid, this.hypervisor.host);
    if (!guest.projectId) throw new GuestProjectUnknown(instanceUuid, this.hypervisor.host);
    return {
      'X-Instance-ID': guest.uuid,
      'X-Tenant-ID': guest.projectId,
      'X-Instance-ID-Signature': signInstanceId(this.config.secret, guest.uuid),
    };
  }

  /** `GET <path>` as the guest would send it to 169.254.169.254, e.g. `/openstack/latest/meta_data.json`. */
  get(instanceUuid: string, path: string): Promise<MetadataResponse> {
    return this.send(instanceUuid, path, { method: 'GET' });
  }

  /** `POST <path>` with a body: a guest posting its encrypted password (cloudbase-init does, on first boot). */
  post(instanceUuid: string, path: string, body: string | Buffer): Promise<MetadataResponse> {
    return this.send(instanceUuid, path, { method: 'POST', body });
  }

  private async send(
    instanceUuid: string,
    path: string,
    request: { method: string; body?: string | Buffer },
  ): Promise<MetadataResponse> {
    const headers = await this.signedHeaders(instanceUuid);
    const res = await fetch(new URL(path, this.config.url), {
      ...request,
      headers,
      signal: AbortSignal.timeout(10_000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      body,
      text: () => body.toString('utf8'),
    };
  }
}
