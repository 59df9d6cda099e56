import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { FLYWHEEL_RUN_STATUSES, JOB_TYPES } from '../../contracts/vocabulary';
import { type CliContext, integer, jobIdArg, ratio } from '../context';
import { CliError } from '../io';
import { jobReport, jobsTable, progressReport } from '../render';
import type { JobCreated, JobDetail, JobProgress, JobSummary, Message, Workload } from '../types';
import { watchJob } from '../watch';

interface CreateOptions {
  workloadId: string;
  clientId: string;
  config?: string;
  jobType?: string;
  evalSize?: number;
  valRatio?: number;
  minTotalRecords?: number;
  limit?: number;
  randomSeed?: number;
  idempotencyKey?: string;
  logCheck: boolean;
  watch?: boolean;
  interval: number;
}

function splitOverride(o: CreateOptions) {
  const split = {
    eval_size: o.evalSize,
    val_ratio: o.valRatio,
    min_total_records: o.minTotalRecords,
    limit: o.limit,
    random_seed: o.randomSeed,
  };
  const set = Object.fromEntries(Object.entries(split).filter(([, v]) => v !== undefined));
  return Object.keys(set).length > 0 ? set : undefined;
}

/**
 * A run for a workload without logs fails a second after "Created job" (the API accepts it, as
 * the Blueprint's does): the CLI asks first and says so. A check that cannot be made (an older
 * API, Elasticsearch unreachable) only warns.
 */
async function checkHasLogs(ctx: CliContext, cmd: Command, workloadId: string, clientId: string) {
  let workloads: Workload[];
  try {
    workloads = (
      await ctx.api(cmd).get<{ workloads: Workload[] }>(`/api/workloads?client_id=${encodeURIComponent(clientId)}`)
    ).workloads;
  } catch (err) {
    ctx.io.err(`warning: could not check for logs first (${(err as Error).message}); creating the job anyway`);
    return;
  }
  const found = workloads.find((w) => w.workload_id === workloadId && w.client_id === clientId);
  if (found && found.num_records > 0) return;
  const others = workloads.map((w) => `${w.workload_id} (${w.num_records})`).slice(0, 5);
  throw new CliError(
    `no logs for workload "${workloadId}" and client "${clientId}", so the run would fail; ` +
      (others.length > 0 ? `this client has: ${others.join(', ')}; ` : 'this client has no logs at all; ') +
      'load some with `flywheel logs load`, or pass --no-log-check to create the job anyway',
  );
}

/** Watches a job to its end, prints the report, and fails the command unless it completed. */
async function follow(ctx: CliContext, cmd: Command, id: string, intervalMs: number) {
  const job = await watchJob(ctx.api(cmd), ctx.io, id, { intervalMs });
  ctx.print(cmd, job, () => jobReport(job, ctx.io.columns));
  if (job.status !== 'completed')
    throw new CliError(`job ${id} ended ${job.status}${job.error ? `: ${job.error}` : ''}`);
}

export function jobsCommand(ctx: CliContext): Command {
  const jobs = new Command('jobs').description('create, list, inspect, watch, cancel and delete flywheel runs');
  const interval = new Option('--interval <ms>', 'poll interval while watching')
    .argParser(integer('--interval', 100))
    .default(2000);

  jobs
    .command('create')
    .description('start a flywheel run for a workload')
    .requiredOption('-w, --workload-id <id>', 'workload to run')
    .requiredOption('-c, --client-id <id>', 'client the logs belong to')
    .option('--config <name>', 'named config (see GET /api/configs)')
    .addOption(
      new Option('--job-type <type>', 'llm_job (chat logs) or embedding_job (retrieval logs); default llm_job').choices(
        JOB_TYPES,
      ),
    )
    .option('--eval-size <n>', 'override data_split_config.eval_size', integer('--eval-size', 1))
    .option('--val-ratio <r>', 'override data_split_config.val_ratio', ratio)
    .option('--min-total-records <n>', 'override data_split_config.min_total_records', integer('--min-total-records'))
    .option('--limit <n>', 'override data_split_config.limit', integer('--limit', 1))
    .option('--random-seed <n>', 'override data_split_config.random_seed', integer('--random-seed'))
    .option('--idempotency-key <key>', 'repeat-safe create: the same key returns the same job')
    .option('--no-log-check', 'create the job even when the workload has no logs (it will fail)')
    .option('--watch', 'follow the run until it ends')
    .addOption(interval)
    .action(async (o: CreateOptions, cmd: Command) => {
      if (o.logCheck) await checkHasLogs(ctx, cmd, o.workloadId, o.clientId);
      const body: Record<string, unknown> = { workload_id: o.workloadId, client_id: o.clientId };
      if (o.config) body.config_name = o.config;
      if (o.jobType) body.job_type = o.jobType;
      const split = splitOverride(o);
      if (split) body.data_split_config = split;
      const headers: Record<string, string> = o.idempotencyKey ? { 'Idempotency-Key': o.idempotencyKey } : {};
      const job = await ctx.api(cmd).request<JobCreated>('POST', '/api/jobs', body, headers);
      if (o.watch) {
        ctx.io.err(`job ${job.id} created`);
        return follow(ctx, cmd, job.id, o.interval);
      }
      ctx.print(cmd, job, () => `Created job ${job.id} (${job.status}). Follow it with: flywheel jobs watch ${job.id}`);
    });

  jobs
    .command('list')
    .description('list jobs, oldest first')
    .option('-w, --workload-id <id>', 'only this workload')
    .option('-c, --client-id <id>', 'only this client')
    .addOption(new Option('-s, --status <status>', 'only this status').choices(FLYWHEEL_RUN_STATUSES))
    .option('--newest-first', 'newest first')
    .option('--limit <n>', 'at most this many', integer('--limit', 1))
    .action(async (o, cmd: Command) => {
      const q = new URLSearchParams();
      if (o.workloadId) q.set('workload_id', o.workloadId);
      if (o.clientId) q.set('client_id', o.clientId);
      if (o.status) q.set('status', o.status);
      if (o.newestFirst) q.set('sort', '-started_at');
      if (o.limit) q.set('limit', String(o.limit));
      const res = await ctx.api(cmd).get<{ jobs: JobSummary[] }>(`/api/jobs${q.size ? `?${q}` : ''}`);
      ctx.print(cmd, res, () => jobsTable(res.jobs));
    });

  jobs
    .command('show')
    .description('a job with a table of its scores')
    .argument('<job-id>', 'job id', jobIdArg)
    .action(async (id: string, _o, cmd: Command) => {
      const job = await ctx.api(cmd).get<JobDetail>(`/api/jobs/${id}`);
      ctx.print(cmd, job, () => jobReport(job, ctx.io.columns));
    });

  jobs
    .command('report')
    .description('the run as a self-contained HTML report: recommendation, intervals, cost, data, history')
    .argument('<job-id>', 'job id', jobIdArg)
    .option('-o, --output <file>', 'write the page to this file (default: standard output)')
    .action(async (id: string, o: { output?: string }, cmd: Command) => {
      const html = await ctx.api(cmd).getText(`/api/jobs/${id}/report`);
      if (!o.output) return ctx.io.out(html);
      try {
        await writeFile(o.output, html);
      } catch (err) {
        throw new CliError(`cannot write the report to ${o.output}: ${(err as Error).message}`);
      }
      ctx.io.err(`report for job ${id} written to ${o.output}`);
    });

  jobs
    .command('progress')
    .description("a running job's live state: its stored steps and pending activities")
    .argument('<job-id>', 'job id', jobIdArg)
    .action(async (id: string, _o, cmd: Command) => {
      const p = await ctx.api(cmd).get<JobProgress>(`/api/jobs/${id}/progress`);
      ctx.print(cmd, p, () => progressReport(p));
    });

  jobs
    .command('watch')
    .description('live progress per candidate and evaluation until the job ends (exit 1 unless it completed)')
    .argument('<job-id>', 'job id', jobIdArg)
    .addOption(interval)
    .action(async (id: string, o: { interval: number }, cmd: Command) => follow(ctx, cmd, id, o.interval));

  for (const [name, method, path, text] of [
    ['cancel', 'POST', '/cancel', 'cancel a running job (finished results are kept)'],
    ['delete', 'DELETE', '', 'delete a finished job and its artifacts'],
  ] as const) {
    jobs
      .command(name)
      .description(text)
      .argument('<job-id>', 'job id', jobIdArg)
      .action(async (id: string, _o, cmd: Command) => {
        const res = await ctx.api(cmd).request<Message>(method, `/api/jobs/${id}${path}`);
        ctx.print(cmd, res, () => `${res.id}: ${res.message}`);
      });
  }
  return jobs;
}
