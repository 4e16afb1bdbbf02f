import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes that let operators find operations in the Temporal UI. */
export const InstanceIdKey = defineSearchAttributeKey('InstanceId', SearchAttributeType.KEYWORD);
export const OperationKey = defineSearchAttributeKey('Operation', SearchAttributeType.KEYWORD);
export const HostKey = defineSearchAttributeKey('Host', SearchAttributeType.KEYWORD);
export const ProjectIdKey = defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD);
export const RequestIdKey = defineSearchAttributeKey('RequestId', SearchAttributeType.KEYWORD);
/** Nova's task_state as the operation last set it (`resize_migrating`...); removed once the operation clears it. */
export const TaskStateKey = defineSearchAttributeKey('TaskState', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = [
  InstanceIdKey,
  OperationKey,
  HostKey,
  ProjectIdKey,
  RequestIdKey,
  TaskStateKey,
];
