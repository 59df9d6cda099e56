import type { HistoryEntry } from '../api/workloads/history-schemas';
import { table } from './table';
import type { JobDetail } from './types';

// The decision as text: the recommendation and each candidate's deciding score with its interval.

const f = (x: number) => x.toFixed(3);
const usd = (x: number | null) => (x === null ? '-' : `$${x.toFixed(2)}`);
const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

export function recommendationReport(job: Pick<JobDetail, 'decision'>): string {
  const d = job.decision;
  if (!d) return 'Recommendation: none recorded (the run has not finished, or recorded no decision).';
  const r = d.recommendation;
  const lines = [
    r.status === 'recommended'
      ? `Recommendation: ${r.model} (${r.variant})`
      : `Recommendation: none, keep ${d.production.model ?? 'the production model'}`,
    `  ${r.summary}`,
  ];
  for (const x of r.reasons) lines.push(`  - ${x.model}: ${x.reason}`);
  const metric = d.gate.metric;
  const rows = d.candidates.map((c) => {
    const s = c.scores[metric];
    return [
      c.model,
      c.variant,
      s ? `${f(s.estimate)} [${f(s.low)}, ${f(s.high)}] n=${s.n} ${s.method}` : '-',
      c.gate.passes ? 'passes' : 'below',
      usd(c.monthly_cost),
      pct(c.saving_fraction),
    ];
  });
  lines.push(
    '',
    `Gate: ${metric} lower bound >= ${d.gate.threshold} (${Math.round(d.gate.confidence_level * 100)}% interval, at least ${d.gate.min_eval_size} items); production ${d.production.model ?? '?'} ${usd(d.production.monthly_cost)}/month`,
    table(['MODEL', 'VARIANT', `${metric.toUpperCase()} [CI] N METHOD`, 'GATE', 'USD/MONTH', 'SAVING'], rows),
  );
  if (d.candidates.some((c) => c.scores[metric]?.method === 'wilson-bound')) {
    lines.push(
      'wilson-bound: the server gave no per-sample results; the interval bounds the aggregate score (worst-case variance).',
    );
  }
  return lines.join('\n');
}

export function historyReport(workloadId: string, runs: HistoryEntry[]): string {
  if (runs.length === 0) return `No runs of workload ${workloadId}.`;
  const rows = runs.flatMap((run, i) => {
    const rec = run.recommendation;
    const advice = !rec ? 'no decision' : rec.status === 'recommended' ? `-> ${rec.model} (${rec.variant})` : '-> none';
    const metric = run.gate?.metric;
    const head = [`#${i + 1}`, run.started_at.slice(0, 19), run.job_id, run.status, '', '', advice];
    return [
      head,
      ...run.candidates.map((c) => {
        const s = metric ? c.scores[metric] : undefined;
        return [
          '',
          '',
          '',
          '',
          `${c.model} ${c.variant}`,
          s ? `${f(s.estimate)} [${f(s.low)}, ${f(s.high)}]` : '-',
          c.passes_gate ? 'passes' : '',
        ];
      }),
    ];
  });
  const metric = runs.find((r) => r.gate)?.gate?.metric ?? 'score';
  return `Workload ${workloadId}: ${runs.length} run(s), oldest first\n\n${table(['RUN', 'STARTED (UTC)', 'JOB', 'STATUS', 'CANDIDATE', `${metric.toUpperCase()} [CI]`, 'RECOMMENDATION'], rows)}`;
}
