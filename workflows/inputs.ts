import type { OperationSettings } from '../config';
import type { CreateAdmission, Requester } from '../activities/conductor';

/** Input of every operation on an existing instance. */
export interface InstanceOperationInput {
  instanceUuid: string;
  requester: Requester;
  settings: OperationSettings;
}

export interface CreateServerInput {
  server: CreateAdmission;
  settings: OperationSettings;
}

export interface RebootServerInput extends InstanceOperationInput {
  hard: boolean;
}
