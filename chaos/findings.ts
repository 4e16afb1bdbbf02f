/**
 * What the audit counts; the run's goal is zero of each:
 * - lost: an accepted request with no trace, a server or disk that should exist and does not;
 * - stuck: a task_state, a workflow, an instance action or an image that never reached its end;
 * - leaked: a claim, guest, disk file, transfer file or image bytes nobody owns;
 * - corrupted: a disk whose bytes are not what its image says, a guest whose state disagrees with the database;
 * - overcommitted: a host whose claims exceed what it can give;
 * - history: a closed operation whose Temporal history is not complete (terminated, timed out, failed tasks).
 */
export type FindingCategory = 'lost' | 'stuck' | 'leaked' | 'corrupted' | 'overcommitted' | 'history';

export const FINDING_CATEGORIES: readonly FindingCategory[] = [
  'lost',
  'stuck',
  'leaked',
  'corrupted',
  'overcommitted',
  'history',
];

export interface Finding {
  category: FindingCategory;
  detail: string;
}
