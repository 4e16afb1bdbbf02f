import path from 'node:path';
import { z } from 'zod';
import { HOST_NAME_PATTERN } from './domain/naming';

/**
 * Configuration, parsed once per process from the environment. Each entry point takes only its own slice:
 * the compute slice has no database field at all, so compute code cannot reach PostgreSQL by accident.
 */
const int = (def: number) => z.coerce.number().int().default(def);

const temporalSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  NOVA_QUEUE_PREFIX: z.string().default(''),
});

const operationSchema = z.object({
  NOVA_COMPUTE_HEARTBEAT_TIMEOUT_S: int(15),
  NOVA_COMPUTE_SCHEDULE_TO_START_S: int(60),
  NOVA_SCHEDULER_MAX_ATTEMPTS: int(3),
  NOVA_SERVICE_DOWN_TIME_S: int(60),
  NOVA_RESIZE_CONFIRM_WINDOW_S: int(0),
  NOVA_ALLOW_RESIZE_TO_SAME_HOST: z.stringbool().default(false),
  NOVA_LIVE_MIGRATION_COMPLETION_TIMEOUT_S: int(800),
  NOVA_LIVE_MIGRATION_TIMEOUT_ACTION: z.enum(['abort', 'force_complete']).default('abort'),
  NOVA_SHELVED_OFFLOAD_TIME_S: int(0),
  NOVA_RECLAIM_INSTANCE_INTERVAL_S: int(0),
});

export interface TemporalConfig {
  address: string;
  namespace: string;
  queuePrefix: string;
}

/** Settings a workflow receives in its input (workflows cannot read the environment). */
export interface OperationSettings {
  queuePrefix: string;
  computeHeartbeatTimeoutMs: number;
  computeScheduleToStartMs: number;
  maxAttempts: number;
  /** Nova's resize_confirm_window: 0 never auto-confirms; otherwise a durable timer in the resize workflow. */
  resizeConfirmWindowMs: number;
  allowResizeToSameHost: boolean;
  /** Nova's live_migration_completion_timeout (0 = none) and live_migration_timeout_action. */
  liveMigrationCompletionTimeoutMs: number;
  liveMigrationTimeoutAction: 'abort' | 'force_complete';
  /**
   * Nova's shelved_offload_time: 0 offloads a shelved server at once, a positive value after that long (a durable
   * timer in the shelve workflow), -1 (any negative value) never.
   */
  shelvedOffloadTimeMs: number;
  /**
   * Nova's reclaim_instance_interval: 0 (the default) deletes at once; a positive value soft-deletes a server
   * that has run, which `restore` brings back until a durable timer in its workflow reclaims it.
   */
  reclaimInstanceIntervalMs: number;
}

/**
 * Where image bytes are stored (a shared volume in a multi-machine deployment, like the transfer area): the
 * image service, the conductor and every compute host reach it.
 */
export function imageDirOf(env: NodeJS.ProcessEnv = process.env): string {
  const d = z.object({ NOVA_DATA_DIR: z.string().default('data'), NOVA_IMAGE_DIR: z.string().optional() }).parse(env);
  return d.NOVA_IMAGE_DIR ?? path.join(d.NOVA_DATA_DIR, 'images');
}

function temporalSlice(env: NodeJS.ProcessEnv): TemporalConfig {
  const t = temporalSchema.parse(env);
  return { address: t.TEMPORAL_ADDRESS, namespace: t.TEMPORAL_NAMESPACE, queuePrefix: t.NOVA_QUEUE_PREFIX };
}

export function loadOperationSettings(env: NodeJS.ProcessEnv = process.env): OperationSettings {
  const o = operationSchema.parse(env);
  return {
    queuePrefix: temporalSchema.parse(env).NOVA_QUEUE_PREFIX,
    computeHeartbeatTimeoutMs: o.NOVA_COMPUTE_HEARTBEAT_TIMEOUT_S * 1000,
    computeScheduleToStartMs: o.NOVA_COMPUTE_SCHEDULE_TO_START_S * 1000,
    maxAttempts: o.NOVA_SCHEDULER_MAX_ATTEMPTS,
    resizeConfirmWindowMs: o.NOVA_RESIZE_CONFIRM_WINDOW_S * 1000,
    allowResizeToSameHost: o.NOVA_ALLOW_RESIZE_TO_SAME_HOST,
    liveMigrationCompletionTimeoutMs: o.NOVA_LIVE_MIGRATION_COMPLETION_TIMEOUT_S * 1000,
    liveMigrationTimeoutAction: o.NOVA_LIVE_MIGRATION_TIMEOUT_ACTION,
    shelvedOffloadTimeMs: o.NOVA_SHELVED_OFFLOAD_TIME_S < 0 ? -1 : o.NOVA_SHELVED_OFFLOAD_TIME_S * 1000,
    reclaimInstanceIntervalMs: Math.max(0, o.NOVA_RECLAIM_INSTANCE_INTERVAL_S * 1000),
  };
}

/**
 * How the compute API authenticates. `keystone` (the default) validates `X-Auth-Token` against the tokens the
 * built-in identity service issued; `noauth2` trusts `X-Auth-Token: <user>:<project>` and is for development only.
 */
export interface AuthConfig {
  strategy: 'keystone' | 'noauth2';
  /** Keystone's [token] expiration. */
  tokenLifetimeMs: number;
}

const ONE_GIB = 1024 ** 3;

export interface ApiConfig {
  temporal: TemporalConfig;
  auth: AuthConfig;
  databaseUrl: string;
  port: number;
  bindAddress: string;
  temporalUiUrl: string;
  operations: OperationSettings;
  /** Nova's [api] max_limit. */
  maxLimit: number;
  imageDir: string;
  /** The image service's upload cap (Glance's image_size_cap). */
  imageMaxBytes: number;
  /** Nova's service_down_time: service states, and evacuate's check that the instance's host is down. */
  serviceDownTimeMs: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyKeyTtlMs: number;
  /** A JSON file of policy rule overrides (Nova's policy file); none: the defaults. */
  policyFile: string | undefined;
}

/**
 * The API's statement_timeout. No API statement takes seconds; one that hangs must fail, since identical lists
 * wait for the read they share (api/read-coalescing.ts), and each would otherwise wait as long as it does.
 */
export const API_STATEMENT_TIMEOUT_MS = 30_000;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const a = z
    .object({
      DATABASE_URL: z.string().min(1),
      NOVA_API_PORT: int(8774),
      NOVA_API_BIND: z.string().default('127.0.0.1'),
      TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
      NOVA_API_MAX_LIMIT: int(1000),
      NOVA_AUTH_STRATEGY: z.enum(['keystone', 'noauth2']).default('keystone'),
      NOVA_TOKEN_LIFETIME_S: z.coerce.number().int().positive().default(3600),
      NOVA_IMAGE_MAX_BYTES: z.coerce.number().int().positive().default(ONE_GIB),
      NOVA_IDEMPOTENCY_KEY_TTL_S: z.coerce.number().int().positive().default(86_400),
      NOVA_POLICY_FILE: z.string().min(1).optional(),
    })
    .parse(env);
  return {
    temporal: temporalSlice(env),
    auth: { strategy: a.NOVA_AUTH_STRATEGY, tokenLifetimeMs: a.NOVA_TOKEN_LIFETIME_S * 1000 },
    databaseUrl: a.DATABASE_URL,
    port: a.NOVA_API_PORT,
    bindAddress: a.NOVA_API_BIND,
    temporalUiUrl: a.TEMPORAL_UI_URL,
    operations: loadOperationSettings(env),
    maxLimit: a.NOVA_API_MAX_LIMIT,
    imageDir: imageDirOf(env),
    imageMaxBytes: a.NOVA_IMAGE_MAX_BYTES,
    serviceDownTimeMs: operationSchema.parse(env).NOVA_SERVICE_DOWN_TIME_S * 1000,
    idempotencyKeyTtlMs: a.NOVA_IDEMPOTENCY_KEY_TTL_S * 1000,
    policyFile: a.NOVA_POLICY_FILE,
  };
}

/**
 * The metadata service (nova-api-metadata), a second listener of the API process. The shared secret signs the
 * proxy's `X-Instance-ID` (Nova's `[neutron] metadata_proxy_shared_secret`); without one the service refuses to
 * start, since it could not tell which instance is asking.
 */
export interface MetadataServiceConfig {
  port: number;
  bindAddress: string;
  secret: string;
  /** Nova's `[api] metadata_cache_expiration`: how long a cached document may be served (0 = no cache). */
  cacheExpirationMs: number;
  /** Nova's `[api] dhcp_domain`, appended to the hostname the guest reads ('' = none). */
  dhcpDomain: string;
}

export function loadMetadataConfig(env: NodeJS.ProcessEnv = process.env): MetadataServiceConfig {
  const m = z
    .object({
      NOVA_METADATA_PORT: int(8775),
      NOVA_METADATA_BIND: z.string().default('127.0.0.1'),
      NOVA_METADATA_SECRET: z.string({ error: 'NOVA_METADATA_SECRET is required' }).min(16, {
        error: 'NOVA_METADATA_SECRET must have at least 16 characters',
      }),
      NOVA_METADATA_CACHE_EXPIRATION_S: z.coerce.number().int().min(0).default(15),
      NOVA_DHCP_DOMAIN: z.string().default('novalocal'),
    })
    .parse(env);
  return {
    port: m.NOVA_METADATA_PORT,
    bindAddress: m.NOVA_METADATA_BIND,
    secret: m.NOVA_METADATA_SECRET,
    cacheExpirationMs: m.NOVA_METADATA_CACHE_EXPIRATION_S * 1000,
    dhcpDomain: m.NOVA_DHCP_DOMAIN,
  };
}

/** The seeded users' passwords; the defaults suit the dev stack only. */
export function loadIdentitySeed(env: NodeJS.ProcessEnv = process.env): {
  adminPassword: string;
  demoPassword: string;
} {
  const s = z
    .object({
      NOVA_ADMIN_PASSWORD: z.string().min(1).default('admin'),
      NOVA_DEMO_PASSWORD: z.string().min(1).default('demo'),
    })
    .parse(env);
  return { adminPassword: s.NOVA_ADMIN_PASSWORD, demoPassword: s.NOVA_DEMO_PASSWORD };
}

export interface ConductorConfig {
  temporal: TemporalConfig;
  databaseUrl: string;
  serviceDownTimeMs: number;
  /** Activity slots, local and from the queue; also the size of the PostgreSQL pool. */
  concurrency: number;
  imageDir: string;
  /** Whether this conductor sweeps the image store of bytes no image holds (NOVA_IMAGE_SWEEP, on by default). */
  imageSweep: boolean;
}

export function loadConductorConfig(env: NodeJS.ProcessEnv = process.env): ConductorConfig {
  const c = z
    .object({
      DATABASE_URL: z.string().min(1),
      NOVA_CONDUCTOR_CONCURRENCY: int(10),
      NOVA_IMAGE_SWEEP: z.stringbool().default(true),
    })
    .parse(env);
  return {
    temporal: temporalSlice(env),
    databaseUrl: c.DATABASE_URL,
    serviceDownTimeMs: operationSchema.parse(env).NOVA_SERVICE_DOWN_TIME_S * 1000,
    concurrency: c.NOVA_CONDUCTOR_CONCURRENCY,
    imageDir: imageDirOf(env),
    imageSweep: c.NOVA_IMAGE_SWEEP,
  };
}

export interface HostCapacity {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** The compute slice: a host name, its capacity and a data directory. No database setting exists here. */
export interface ComputeConfig {
  temporal: TemporalConfig;
  host: string;
  capacity: HostCapacity;
  dataDir: string;
  /** Where migrating disks travel between hosts (a shared volume in a multi-machine deployment). */
  transferDir: string;
  imageDir: string;
  reportIntervalMs: number;
  /** Where this host's metadata proxy sends its guests' requests, and the secret it signs them with. */
  metadataProxy?: MetadataProxyConfig | undefined;
}

/** The compute host's half of the metadata service: the service's URL and the shared secret. */
export interface MetadataProxyConfig {
  url: string;
  secret: string;
}

/** NOVA_METADATA_URL and NOVA_METADATA_SECRET together, or neither (a host whose guests get no metadata). */
function metadataProxyOf(env: NodeJS.ProcessEnv): MetadataProxyConfig | undefined {
  const p = z
    .object({ NOVA_METADATA_URL: z.url().optional(), NOVA_METADATA_SECRET: z.string().min(16).optional() })
    .parse(env);
  if (p.NOVA_METADATA_URL === undefined && p.NOVA_METADATA_SECRET === undefined) return undefined;
  if (p.NOVA_METADATA_URL === undefined || p.NOVA_METADATA_SECRET === undefined) {
    throw new Error('the metadata proxy needs both NOVA_METADATA_URL and NOVA_METADATA_SECRET');
  }
  return { url: p.NOVA_METADATA_URL, secret: p.NOVA_METADATA_SECRET };
}

export function loadComputeConfig(env: NodeJS.ProcessEnv = process.env): ComputeConfig {
  const c = z
    .object({
      NOVA_COMPUTE_HOST: z.string().regex(HOST_NAME_PATTERN, 'host names use letters, digits, ".", "_" and "-"'),
      NOVA_COMPUTE_VCPUS: int(16),
      NOVA_COMPUTE_MEMORY_MB: int(32768),
      NOVA_COMPUTE_DISK_GB: int(500),
      NOVA_DATA_DIR: z.string().default('data'),
      NOVA_TRANSFER_DIR: z.string().optional(),
      NOVA_COMPUTE_REPORT_INTERVAL_S: int(10),
    })
    .parse(env);
  return {
    temporal: temporalSlice(env),
    host: c.NOVA_COMPUTE_HOST,
    capacity: { vcpus: c.NOVA_COMPUTE_VCPUS, memoryMb: c.NOVA_COMPUTE_MEMORY_MB, diskGb: c.NOVA_COMPUTE_DISK_GB },
    dataDir: c.NOVA_DATA_DIR,
    transferDir: c.NOVA_TRANSFER_DIR ?? path.join(c.NOVA_DATA_DIR, 'transfer'),
    imageDir: imageDirOf(env),
    reportIntervalMs: c.NOVA_COMPUTE_REPORT_INTERVAL_S * 1000,
    metadataProxy: metadataProxyOf(env),
  };
}

/** Where spans go: nowhere (the default), an OTLP/HTTP collector (OTEL_EXPORTER_OTLP_ENDPOINT) or the log. */
export interface TracingConfig {
  exporter: 'none' | 'otlp' | 'console';
  /** OTEL_SERVICE_NAME, else the process's own name (nova-api, nova-conductor, nova-compute). */
  serviceName: string | undefined;
}

export function loadTracingConfig(env: NodeJS.ProcessEnv = process.env): TracingConfig {
  const t = z
    .object({
      NOVA_OTEL_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
      OTEL_SERVICE_NAME: z.string().min(1).optional(),
    })
    .parse(env);
  return { exporter: t.NOVA_OTEL_EXPORTER, serviceName: t.OTEL_SERVICE_NAME };
}
