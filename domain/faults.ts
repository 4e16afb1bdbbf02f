/**
 * Failure types that cross the workflow boundary as ApplicationFailure types. Activities throw them
 * non-retryable; workflows and the API branch on them.
 */
export const FaultType = {
  NoValidHost: 'NoValidHost',
  MaxRetriesExceeded: 'MaxRetriesExceeded',
  InstanceInvalidState: 'InstanceInvalidState',
  InstanceNotFound: 'InstanceNotFound',
  HypervisorFault: 'HypervisorFault',
  RescheduledException: 'RescheduledException',
  BuildAbortException: 'BuildAbortException',
  InstanceNotRunning: 'InstanceNotRunning',
  /** Live migration: a destination refused the move (Nova's MigrationPreCheckError); another host may take it. */
  MigrationPreCheckError: 'MigrationPreCheckError',
  DiskCorrupted: 'DiskCorrupted',
  NotResized: 'NotResized',
  ImageNotFound: 'ImageNotFound',
  QuotaExceeded: 'QuotaExceeded',
  /** Evacuate: the instance's host still reports (Nova's ComputeServiceInUse, a 400). */
  ComputeServiceInUse: 'ComputeServiceInUse',
  /** Evacuate before 2.14 with onSharedStorage true: our hosts share no instance storage. */
  InvalidSharedStorage: 'InvalidSharedStorage',
  /** os-services: no compute service on that host. */
  HostNotFound: 'HostNotFound',
  /** os-services: an update the service's state refuses (forcing up a host with `done` evacuations). */
  ServiceUpdateRefused: 'ServiceUpdateRefused',
  /** changePassword: the host cannot open the sealed password (another NOVA_METADATA_SECRET, or expired). */
  SecretUnreadable: 'SecretUnreadable',
  /** changePassword on a host with no NOVA_METADATA_SECRET to open passwords with (Nova's NotImplementedError). */
  PasswordNotSupported: 'PasswordNotSupported',
  /** changePassword: the server's ssh-rsa key cannot encrypt the password for os-server-password (Nova's). */
  EncryptionFailure: 'EncryptionFailure',
} as const;
export type FaultType = (typeof FaultType)[keyof typeof FaultType];

export const NO_VALID_HOST_MESSAGE = 'No valid host was found. There are not enough hosts available.';

export function maxRetriesMessage(instanceUuid: string): string {
  return (
    'Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for ' +
    `instance ${instanceUuid}.`
  );
}

/** Nova's live-migration MaxRetriesExceeded: every destination tried refused its pre-checks. */
export function liveMigrationRetriesMessage(instanceUuid: string, retries: number): string {
  return (
    `Exceeded maximum number of retries. Exceeded max scheduling retries ${retries} for instance ${instanceUuid} ` +
    'during live migration'
  );
}

/** What Nova stores as an instance fault and shows in `server.fault`. */
export interface InstanceFault {
  code: number;
  message: string;
  details: string;
}

/** A fault as the instance stores it: with the time it was recorded, in Nova's `created` format. */
export type RecordedFault = { [K in keyof InstanceFault]: InstanceFault[K] } & { created: string };

export function recordedFault(fault: InstanceFault): RecordedFault {
  return { ...fault, created: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
}
