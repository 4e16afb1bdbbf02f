import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { localActivityOf } from './history';

function localActivities(file: string): string[] {
  const json: unknown = JSON.parse(readFileSync(path.join(__dirname, '..', 'test', 'histories', file), 'utf8'));
  return (historyFromJSON(json).events ?? []).flatMap((e) => localActivityOf(e)?.type ?? []);
}

describe('localActivityOf', () => {
  it("reads a create's conductor steps, in order, from their markers", () => {
    expect(localActivities('local-steps-createServerWorkflow.json')).toEqual([
      'admitCreate',
      'selectAndClaim',
      'advanceTask',
      'finishTask',
    ]);
  });

  it('finds none in a run recorded before the steps were local', () => {
    expect(localActivities('lifecycle-createServerWorkflow.json')).toEqual([]);
  });
});
