import type { FlywheelRunDoc, StoredDecision } from '../../stores/results/schema';
import { naiveUtc } from '../time';
import type { DecisionResponse } from './schemas';

export function decisionView(d: StoredDecision | null | undefined): DecisionResponse | null {
  if (!d) return null;
  const { computed_at, ...rest } = d;
  return { ...rest, computed_at: naiveUtc(new Date(computed_at)) };
}

/** The fields GET /api/jobs/{id} adds for the decision. */
export function decisionFields(run: Pick<FlywheelRunDoc, 'decision'>) {
  const decision = decisionView(run.decision);
  return { recommendation: decision?.recommendation ?? null, decision };
}
