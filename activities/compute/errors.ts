/** A fault switch made a hypervisor step fail. `reschedulable` says whether another host may succeed. */
export class HypervisorStepFailed extends Error {
  constructor(
    readonly step: string,
    readonly host: string,
    readonly reschedulable: boolean,
  ) {
    super(`Fake hypervisor on ${host} failed step ${step} (fault switch)`);
    this.name = 'HypervisorStepFailed';
  }
}

/** The hypervisor has no guest with this uuid. */
export class GuestNotFound extends Error {
  constructor(
    readonly instanceUuid: string,
    readonly host: string,
  ) {
    super(`Instance ${instanceUuid} could not be found on host ${host}.`);
    this.name = 'GuestNotFound';
  }
}

/** The guest's power state does not allow the step (pausing a guest that is shut off, say), as libvirt refuses. */
export class GuestInWrongState extends Error {
  constructor(
    readonly instanceUuid: string,
    readonly host: string,
    readonly step: string,
    readonly powerState: number,
  ) {
    super(`Cannot ${step} instance ${instanceUuid} on host ${host} while its power_state is ${powerState}.`);
    this.name = 'GuestInWrongState';
  }
}

/** Image bytes read from the store do not hash to their content address: the disk is not written. */
export class ImageDataCorrupted extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`image data ${expected} reads back with checksum ${actual}`);
    this.name = 'ImageDataCorrupted';
  }
}

/** A live-migration destination refuses the instance (Nova's MigrationPreCheckError): another host may not. */
export class MigrationPreCheckFailed extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`Migration pre-check error: ${reason}`);
    this.name = 'MigrationPreCheckFailed';
  }
}

/** The guest is not running (or paused) on its host, so there is nothing to migrate live. */
export class GuestNotRunning extends Error {
  constructor(
    readonly instanceUuid: string,
    readonly host: string,
    readonly powerState: number,
  ) {
    super(`Instance ${instanceUuid} is not running on host ${host} (power_state ${powerState}).`);
    this.name = 'GuestNotRunning';
  }
}
