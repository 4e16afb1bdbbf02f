/** What one instance needs from a host; the same shape as domain/capacity's `Resources`, which claims use. */
export interface ResourceRequest {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** What the scheduler is asked: room for one instance, with Nova's request filters applied. */
export interface ScheduleRequest {
  instanceUuid: string;
  resources: ResourceRequest;
  /** Hosts never to pick (the source of a move, hosts that already failed). */
  ignoreHosts: string[];
  /** A host the caller requires (admin-only in the API): still filtered, but no alternates, like Nova. */
  requestedHost?: string;
  availabilityZone?: string;
  /** Nova's [scheduler] max_attempts: one host plus up to max_attempts − 1 alternates. */
  maxAttempts: number;
}

/** What filters need besides the host and the request: a clock and Nova's service_down_time. */
export interface FilterContext {
  now: Date;
  serviceDownTimeMs: number;
}
