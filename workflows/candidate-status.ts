import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { CANDIDATE_SEARCH_ATTRIBUTES } from './patches';
import { FlywheelStatusKey } from './search-attributes';

/** Keeps a candidate child's FlywheelStatus search attribute current (gated: older runs replay). */
export function upsertCandidateStatus(status: string): void {
  if (patched(CANDIDATE_SEARCH_ATTRIBUTES)) upsertSearchAttributes([{ key: FlywheelStatusKey, value: status }]);
}
