import { operationDetails, operationSummary } from './operation-summary';

describe('operationSummary', () => {
  it('names a cold migration with its source and the host the operator chose', () => {
    expect(
      operationSummary({ operation: 'migrate', name: 'web-1', host: 'host-a', userId: 'admin', target: 'to host-c' }),
    ).toBe('cold migrate server web-1 from host-a to host-c, requested by admin');
  });

  it('says "on" for an operation that stays on its host, and nothing for a server without one', () => {
    expect(operationSummary({ operation: 'reboot-hard', name: 'db', host: 'host-2', userId: 'demo' })).toBe(
      'hard reboot server db on host-2, requested by demo',
    );
    expect(operationSummary({ operation: 'unshelve', name: 'db', host: null, userId: 'demo' })).toBe(
      'unshelve server db, requested by demo',
    );
  });

  it('keeps operations without a special verb as they are named', () => {
    expect(operationSummary({ operation: 'stop', name: 'x', host: 'h', userId: 'u' })).toBe(
      'stop server x on h, requested by u',
    );
  });
});

describe('operationDetails', () => {
  it('lists instance, project, user and request, one a line', () => {
    expect(
      operationDetails({ instanceUuid: 'i-1', projectId: 'p', userId: 'u', requestId: 'req-1' }).split('\n'),
    ).toEqual(['instance: i-1', 'project: p', 'user: u', 'request: req-1']);
  });
});
