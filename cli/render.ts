import { EVAL_TYPES } from '../contracts';
import { recommendationReport } from './render-decision';
import { table } from './table';
import type { JobDetail, JobProgress, JobSummary, Schedule, Workload } from './types';

// Plain-text tables for people; `--json` prints the API's JSON instead.

const score = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));
const pct = (v: number) => `${Math.round(v)}%`;

export function jobsTable(jobs: JobSummary[]): string {
  if (jobs.length === 0) return 'No jobs.';
  return table(
    ['ID', 'WORKLOAD', 'CLIENT', 'STATUS', 'STARTED (UTC)', 'FINISHED (UTC)', 'ERROR'],
    jobs.map((j) => [
      j.id,
      j.workload_id,
      j.client_id,
      j.status,
      j.started_at.slice(0, 19),
      j.finished_at?.slice(0, 19),
      j.error ? j.error.slice(0, 60) : null,
    ]),
  );
}

/** A job's header and one row per candidate and evaluation, with every score as a column. */
export function jobReport(job: JobDetail, maxWidth?: number): string {
  const lines = [
    `Job ${job.id}  ${job.status.toUpperCase()}`,
    `  workload ${job.workload_id}  client ${job.client_id}  config ${job.config_name ?? 'default'}`,
    `  started ${job.started_at.slice(0, 19)} UTC  finished ${job.finished_at ? `${job.finished_at.slice(0, 19)} UTC` : '-'}`,
    `  records ${job.num_records}  datasets ${job.datasets.map((d) => `${d.name} (${d.num_records})`).join(', ') || '-'}`,
  ];
  if (job.llm_judge)
    lines.push(
      `  judge ${job.llm_judge.model_name} (${job.llm_judge.type}, ${job.llm_judge.flywheel_deployment_status ?? job.llm_judge.deployment_status})`,
    );
  if (job.workflow_url) lines.push(`  workflow ${job.workflow_id}  ${job.workflow_url}`);
  if (job.error) lines.push(`  error: ${job.error}`);
  if (job.cancel_reason && job.cancel_reason !== job.error) lines.push(`  cancelled: ${job.cancel_reason}`);
  const metrics = [...new Set(job.nims.flatMap((n) => n.evaluations.flatMap((e) => Object.keys(e.scores))))].sort();
  const rows: (string | number | null)[][] = [];
  const order: readonly string[] = EVAL_TYPES;
  for (const nim of job.nims) {
    const evaluations = [...nim.evaluations].sort((a, b) => order.indexOf(a.eval_type) - order.indexOf(b.eval_type));
    for (const e of evaluations) {
      rows.push([
        nim.model_name,
        e.eval_type,
        e.status,
        pct(e.progress),
        ...metrics.map((m) => score(e.scores[m])),
        e.error,
      ]);
    }
    for (const c of nim.customizations) {
      rows.push([
        nim.model_name,
        'customization',
        c.status,
        pct(c.progress),
        ...metrics.map(() => null),
        c.error ?? c.customized_model,
      ]);
    }
    if (nim.evaluations.length === 0 && nim.customizations.length === 0) {
      rows.push([nim.model_name, '-', nim.flywheel_status ?? nim.status, null, ...metrics.map(() => null), nim.error]);
    }
  }
  lines.push('');
  lines.push(
    rows.length === 0
      ? 'No candidates yet.'
      : table(['MODEL', 'STEP', 'STATUS', 'PROGRESS', ...metrics, 'NOTE'], rows, maxWidth),
  );
  if (job.finished_at) lines.push('', recommendationReport(job));
  // On a terminal nothing may wrap: long header lines (datasets, errors) are cut to its width.
  const cut = (l: string) => (maxWidth && l.length > maxWidth ? `${l.slice(0, maxWidth - 1)}…` : l);
  return lines
    .flatMap((l) => l.split('\n'))
    .map(cut)
    .join('\n');
}

export function schedulesTable(schedules: Schedule[]): string {
  if (schedules.length === 0) return 'No schedules.';
  return table(
    ['ID', 'WORKLOAD', 'CLIENT', 'WHEN', 'TZ', 'OVERLAP', 'PAUSED', 'NEXT RUN (UTC)'],
    schedules.map((s) => [
      s.id,
      s.workload_id,
      s.client_id,
      s.cron ?? `every ${s.interval_seconds}s`,
      s.timezone,
      s.overlap,
      s.paused ? 'yes' : 'no',
      s.next_run_times[0]?.slice(0, 19),
    ]),
  );
}

const duration = (seconds: number) =>
  seconds % 86400 === 0 ? `${seconds / 86400} d` : seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds} s`;

export function scheduleReport(s: Schedule): string {
  const lines = [
    `Schedule ${s.id}${s.paused ? '  PAUSED' : ''}`,
    `  workload ${s.workload_id}  client ${s.client_id}  config ${s.config_name}`,
    `  when ${s.cron ?? `every ${s.interval_seconds}s`} (${s.timezone})  overlap ${s.overlap}  catch-up window ${duration(s.catchup_window_seconds)}`,
  ];
  if (s.note) lines.push(`  note: ${s.note}`);
  lines.push(`  next runs (UTC): ${s.next_run_times.map((t) => t.slice(0, 19)).join(', ') || '-'}`);
  lines.push('');
  lines.push(
    s.recent_runs.length === 0
      ? 'No runs yet.'
      : table(
          ['SCHEDULED (UTC)', 'STARTED (UTC)', 'WORKFLOW'],
          s.recent_runs.map((r) => [r.scheduled_at.slice(0, 19), r.started_at.slice(0, 19), r.workflow_id]),
        ),
  );
  return lines.join('\n');
}

export function workloadsTable(workloads: Workload[]): string {
  if (workloads.length === 0) return 'No workloads: load logs first (flywheel logs load FILE).';
  return table(
    ['CLIENT', 'WORKLOAD', 'RECORDS', 'LAST SEEN (UTC)'],
    workloads.map((w) => [w.client_id, w.workload_id, w.num_records, w.last_seen?.slice(0, 19)]),
  );
}

export function progressReport(p: JobProgress): string {
  const rows = p.candidates.flatMap((c) => [
    ...c.evaluations.map((e) => [c.model_name, c.status, e.eval_type, e.status, pct(e.progress)]),
    [c.model_name, c.status, 'customization', c.customization.status, pct(c.customization.progress)],
  ]);
  const head = `Job ${p.id}  phase ${p.phase}  records ${p.num_records}${p.error ? `  error: ${p.error}` : ''}`;
  const body = rows.length ? `${head}\n\n${table(['MODEL', 'CANDIDATE', 'STEP', 'STATUS', 'PROGRESS'], rows)}` : head;
  if (p.pending_steps.length === 0) return body;
  const pending = table(
    ['PENDING STEP', 'CANDIDATE', 'STATE', 'ATTEMPT', 'STALLED', 'LAST FAILURE'],
    p.pending_steps.map((s) => [
      s.activity,
      s.candidate,
      s.state,
      s.maximum_attempts ? `${s.attempt}/${s.maximum_attempts}` : s.attempt,
      s.stalled_for_seconds === null ? null : `${Math.max(1, Math.round(s.stalled_for_seconds / 60))} min`,
      s.last_failure,
    ]),
  );
  return `${body}\n\n${pending}`;
}
