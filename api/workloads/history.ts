import type { ResultsStore } from '../../stores/results/results-store';
import type { FlywheelRunDoc } from '../../stores/results/schema';
import { decisionView } from '../decision/view';
import { naiveUtc, naiveUtcOrNull } from '../time';
import type { HistoryEntry } from './history-schemas';

export const DEFAULT_HISTORY_LIMIT = 50;

export function historyEntry(run: FlywheelRunDoc): HistoryEntry {
  const d = decisionView(run.decision);
  return {
    job_id: run._id,
    client_id: run.client_id,
    status: run.status,
    started_at: naiveUtc(run.started_at),
    finished_at: naiveUtcOrNull(run.finished_at),
    schedule_id: run.schedule_id ?? null,
    gate: d ? { metric: d.gate.metric, threshold: d.gate.threshold } : null,
    recommendation: d?.recommendation ?? null,
    candidates: (d?.candidates ?? []).map((c) => ({
      model: c.model,
      variant: c.variant,
      eval_type: c.eval_type,
      scores: c.scores,
      passes_gate: c.gate.passes,
    })),
  };
}

/** A workload's newest runs (of these clients, if given), returned oldest first. */
export async function workloadHistory(
  results: ResultsStore,
  workloadId: string,
  options: { clientIds?: string[]; limit?: number } = {},
): Promise<HistoryEntry[]> {
  const page = await results.listRuns({
    workload_id: workloadId,
    ...(options.clientIds ? { client_ids: options.clientIds } : {}),
    descending: true,
    limit: options.limit ?? DEFAULT_HISTORY_LIMIT,
  });
  return page.runs.reverse().map(historyEntry);
}
