import type { GpuLedger, JobDetail } from '../../cli/types';
import { renderRow, watchRows } from '../../cli/watch-rows';

// The GPU ledger in `jobs watch`: its own row (GPUs in use of the budget, who waits, this
// run's share) and, on each candidate's row, the leases that candidate holds or waits for,
// with its place in the queue. Only while the run is live.

const JOB = 'job-watch-gpus';
const holder = (job: string, model: string) => `flywheel-${job}-${model.replace(/[^A-Za-z0-9.-]/g, '-')}`;

const job = (finished: boolean) =>
  ({
    id: JOB,
    status: finished ? 'completed' : 'running',
    finished_at: finished ? '2026-12-01T00:00:00Z' : null,
    error: null,
    nims: ['meta/llama-3.2-1b-instruct', 'meta/llama-3.2-3b-instruct'].map((model_name) => ({
      model_name,
      status: 'running-evals',
      deployment_status: 'ready',
      error: null,
      evaluations: [],
      customizations: [],
    })),
  }) as unknown as JobDetail;

const lease = (jobId: string | null, model: string, purpose: string, gpus: number) => ({
  job_id: jobId,
  client_id: null,
  holder: holder(jobId ?? 'other', model),
  purpose,
  gpus,
  label: `${jobId} ${model}`,
});

const ledger: GpuLedger = {
  budget: 4,
  in_use: 3,
  waiting: 3,
  by_purpose: [
    { purpose: 'nim', held: 2, waiting: 1 },
    { purpose: 'training', held: 1, waiting: 2 },
  ],
  held: [
    lease(JOB, 'meta/llama-3.2-1b-instruct', 'nim', 1),
    lease(JOB, 'meta/llama-3.2-1b-instruct', 'training', 1),
    lease('another-job', 'meta/llama-3.2-1b-instruct', 'nim', 1),
  ],
  queue: [
    lease('another-job', 'meta/llama-3.2-3b-instruct', 'training', 1),
    lease(JOB, 'meta/llama-3.2-3b-instruct', 'training', 1),
    lease(JOB, 'meta/llama-3.2-3b-instruct', 'nim', 1),
  ],
};

test('a live run shows the ledger row and each candidate its leases and queue places', () => {
  const rows = watchRows(job(false), undefined, ledger);
  const row = rows.find((r) => r.key === 'gpus');
  expect(row).toMatchObject({ label: 'GPU ledger', depth: 0, status: '3/4 in use', progress: 75 });
  expect(row?.note).toBe('3 waiting (nim 1, training 2); this run holds 2, waits for 2');
  expect(rows.map((r) => r.key).slice(0, 2)).toEqual(['run', 'gpus']);

  const small = rows.find((r) => r.key === 'meta/llama-3.2-1b-instruct');
  expect(small?.note).toBe('deployment ready  GPUs: nim 1 held, training 1 held');
  const mid = rows.find((r) => r.key === 'meta/llama-3.2-3b-instruct');
  expect(mid?.note).toBe('deployment ready  GPUs: training 1 waiting (2nd in queue), nim 1 waiting (3rd in queue)');
  expect(renderRow(row as (typeof rows)[number], 100, 30)).toMatch(
    /^GPU ledger\s+\[█+░+\]\s+75% 3\/4 in use {2}3 waiting/,
  );
});

test('a finished run, or no ledger, shows no GPU rows or notes', () => {
  for (const rows of [watchRows(job(true), undefined, ledger), watchRows(job(false))]) {
    expect(rows.some((r) => r.key === 'gpus')).toBe(false);
    expect(rows.filter((r) => r.depth === 1).map((r) => r.note)).toEqual(['deployment ready', 'deployment ready']);
  }
});

test('a ledger no run has started yet has no budget and no bar', () => {
  const rows = watchRows(job(false), undefined, {
    ...ledger,
    budget: null,
    in_use: 0,
    waiting: 0,
    by_purpose: [],
    held: [],
    queue: [],
  });
  expect(rows.find((r) => r.key === 'gpus')).toMatchObject({
    status: '0/? in use',
    progress: null,
    note: '0 waiting; this run holds 0, waits for 0',
  });
});
