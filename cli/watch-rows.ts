import { candidateWorkflowId, workflowIdForJob } from '../workflows/contract';
import type { GpuLedger, JobDetail, JobProgress } from './types';

// The rows `jobs watch` shows, in a fixed order: the run, then per candidate its own row
// (status, deployment) followed by its steps: base-eval, icl-eval, customization and the
// customized-eval under it. Documents give scores and progress; the live progress (the same
// stored state) adds, from Temporal, retries and stalls of pending steps. While the run is
// live, the GPU ledger adds a row of its own (GPUs in use of the budget, who waits) and, on
// each candidate's row, the GPUs it holds and its place in the queue.

export interface WatchRow {
  /** Stable identity across polls. */
  key: string;
  label: string;
  depth: 0 | 1 | 2;
  status: string;
  /** 0-100, or null for rows without a meaningful percentage. */
  progress: number | null;
  note: string | null;
}

const CANDIDATE_ORDER = ['pending', 'waiting-for-gpus', 'deploying-nim', 'running-evals'];

/** The later of two candidate statuses: the stored one and the live one can each lag the other. */
function furthest(stored: string, live: string | undefined): string {
  if (!live) return stored;
  const rank = (s: string) => (CANDIDATE_ORDER.includes(s) ? CANDIDATE_ORDER.indexOf(s) : CANDIDATE_ORDER.length);
  return rank(live) > rank(stored) ? live : stored;
}

const STEP_ORDER = ['base-eval', 'icl-eval', 'customization', 'customized-eval'] as const;

function pendingNote(steps: JobProgress['pending_steps'], candidate: string | null): string | null {
  const notes = steps
    .filter((s) => s.candidate === candidate)
    .filter((s) => s.attempt > 1 || s.last_failure || s.stalled_for_seconds !== null)
    .map((s) => {
      const parts = [`${s.activity} attempt ${s.attempt}${s.maximum_attempts ? `/${s.maximum_attempts}` : ''}`];
      if (s.stalled_for_seconds !== null)
        parts.push(`stalled for ${Math.max(1, Math.round(s.stalled_for_seconds / 60))} min`);
      if (s.last_failure) parts.push(`last failure: ${s.last_failure}`);
      return `⚠ ${parts.join(', ')}`;
    });
  return notes.length ? notes.join('; ') : null;
}

const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/** What one holder workflow has in the ledger: `nim 1 held, training 1 waiting (3rd in queue)`. */
function leaseNote(ledger: GpuLedger, holder: string): string | null {
  const held = ledger.held
    .filter((l) => l.holder === holder)
    .map((l) =>
      l.shared
        ? `${l.purpose} ${l.shared.gpus} shared by ${l.shared.users.length} (${l.shared.deployment})`
        : `${l.purpose} ${l.gpus} held`,
    );
  const waiting = ledger.queue.flatMap((l, i) =>
    l.holder === holder ? [`${l.purpose} ${l.gpus} waiting (${ordinal(i + 1)} in queue)`] : [],
  );
  const parts = [...held, ...waiting];
  return parts.length ? `GPUs: ${parts.join(', ')}` : null;
}

/** The ledger's row: GPUs in use of the budget as the bar, what waits, and this run's share. */
function ledgerRow(ledger: GpuLedger, jobId: string): WatchRow {
  const mine = (l: GpuLedger['held'][number]) => l.job_id === jobId;
  const sum = (ls: GpuLedger['held']) => ls.reduce((n, l) => n + l.gpus, 0);
  const waitingBy = ledger.by_purpose.filter((p) => p.waiting > 0).map((p) => `${p.purpose} ${p.waiting}`);
  return {
    key: 'gpus',
    label: 'GPU ledger',
    depth: 0,
    status: `${ledger.in_use}/${ledger.budget ?? '?'} in use`,
    progress: ledger.budget ? Math.min(100, (100 * ledger.in_use) / ledger.budget) : null,
    note: [
      `${ledger.waiting} waiting${waitingBy.length ? ` (${waitingBy.join(', ')})` : ''}`,
      `this run holds ${sum(ledger.held.filter(mine))}, waits for ${sum(ledger.queue.filter(mine))}`,
    ].join('; '),
  };
}

export function watchRows(job: JobDetail, live?: JobProgress, ledger?: GpuLedger): WatchRow[] {
  const pending = live?.pending_steps ?? [];
  const steps = job.nims.flatMap((n) => [...n.evaluations, ...n.customizations]);
  const done = steps.filter((s) => s.status === 'completed').length;
  const rows: WatchRow[] = [
    {
      key: 'run',
      label: `run ${job.id}`,
      depth: 0,
      status: live && !job.finished_at ? live.phase : job.status,
      progress: steps.length ? (100 * done) / steps.length : 0,
      note: job.error ?? pendingNote(pending, null),
    },
  ];
  const ledgerLive = ledger && !job.finished_at ? ledger : undefined;
  if (ledgerLive) rows.push(ledgerRow(ledgerLive, job.id));
  for (const nim of job.nims) {
    const liveCandidate = live?.candidates.find((c) => c.model_name === nim.model_name);
    const gpus = ledgerLive
      ? leaseNote(ledgerLive, candidateWorkflowId(workflowIdForJob(job.id), nim.model_name))
      : null;
    rows.push({
      key: nim.model_name,
      label: nim.model_name,
      depth: 1,
      status: furthest(nim.status, job.finished_at ? undefined : liveCandidate?.status),
      progress: null,
      note: [nim.error ?? pendingNote(pending, nim.model_name) ?? `deployment ${nim.deployment_status}`, gpus]
        .filter(Boolean)
        .join('  '),
    });
    for (const step of STEP_ORDER) {
      const doc = step === 'customization' ? nim.customizations[0] : nim.evaluations.find((e) => e.eval_type === step);
      const liveStep =
        step === 'customization'
          ? liveCandidate?.customization
          : liveCandidate?.evaluations.find((e) => e.eval_type === step);
      if (!doc && (!liveStep || liveStep.status === 'skipped')) continue;
      const scores = doc && 'scores' in doc ? Object.entries(doc.scores) : [];
      rows.push({
        key: `${nim.model_name} ${step}`,
        label: step,
        depth: 2,
        status: doc?.status ?? liveStep?.status ?? 'pending',
        progress: doc?.progress ?? liveStep?.progress ?? 0,
        note:
          doc?.error ??
          (scores.length ? scores.map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ') : null) ??
          (doc && 'customized_model' in doc ? doc.customized_model : null),
      });
    }
  }
  return rows;
}

/** Cuts `text` to `width` display columns, marking the cut. */
export function clip(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** One row as a line of exactly at most `width` columns: label, bar, percentage, status, note. */
export function renderRow(row: WatchRow, width: number, labelWidth: number): string {
  const label = clip(`${'  '.repeat(row.depth)}${row.label}`, labelWidth).padEnd(labelWidth);
  const tail = `${row.status}${row.note ? `  ${row.note}` : ''}`;
  // A candidate's own row has no percentage: its status and notes (retries, stalls) get the room.
  if (row.progress === null) return clip(`${label} ${tail}`, width);
  const barWidth = Math.max(5, Math.min(30, width - labelWidth - 40));
  const pct = `${Math.round(row.progress)}%`;
  const bar = `[${'█'.repeat(Math.round((barWidth * row.progress) / 100)).padEnd(barWidth, '░')}]`;
  const line = `${label} ${bar} ${pct.padStart(4)} ${tail}`;
  return clip(line, width);
}
