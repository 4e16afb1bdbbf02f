import { instanceUuidOfWorkflowId, instanceWorkflowId, serverTaskWorkflowId } from './naming';

describe('instanceUuidOfWorkflowId', () => {
  const uuid = '3f9a2c4e-1b2d-4c3e-8f4a-5b6c7d8e9f01';
  const requestId = 'req-0b8f3a52-6c1d-4e7f-9a2b-3c4d5e6f7a8b';

  it("names the instance of an operation's run and of a server task's, whatever the prefix", () => {
    expect(instanceUuidOfWorkflowId(instanceWorkflowId('', uuid))).toBe(uuid);
    expect(instanceUuidOfWorkflowId(instanceWorkflowId('t-1-', uuid))).toBe(uuid);
    for (const task of ['update', 'lock', 'unlock'] as const) {
      expect(serverTaskWorkflowId('t-1-', uuid, task, requestId)).toBe(`t-1-instance-${uuid}-${task}-${requestId}`);
      expect(instanceUuidOfWorkflowId(serverTaskWorkflowId('t-1-', uuid, task, requestId))).toBe(uuid);
    }
  });

  it('names none for other workflows', () => {
    expect(instanceUuidOfWorkflowId('host-host-a')).toBeUndefined();
    expect(instanceUuidOfWorkflowId(`allocation-repair-${requestId}`)).toBeUndefined();
    expect(instanceUuidOfWorkflowId(`${instanceWorkflowId('', uuid)}-something-else`)).toBeUndefined();
  });
});
