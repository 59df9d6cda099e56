import { Command, Option } from 'commander';
import { type CliContext, integer } from '../context';
import { schedulesTable } from '../render';
import type { Message, Schedule } from '../types';

const OVERLAP = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'];

export function schedulesCommand(ctx: CliContext): Command {
  const schedules = new Command('schedules').description('recurring runs (Temporal Schedules)');

  schedules
    .command('create')
    .description('run a workload on a cron (e.g. weekly) or an interval')
    .requiredOption('-w, --workload-id <id>', 'workload to run')
    .requiredOption('-c, --client-id <id>', 'client the logs belong to')
    .option('--cron <expr>', 'cron expression, e.g. "0 2 * * MON" (Mondays 02:00)')
    .option('--every <seconds>', 'run every N seconds instead of a cron', integer('--every', 1))
    .option('--timezone <tz>', 'IANA time zone of the cron', 'UTC')
    .addOption(new Option('--overlap <policy>', 'when a run is still active').choices(OVERLAP).default('skip'))
    .option('--config <name>', 'named config')
    .option('--id <schedule-id>', 'schedule id (default: generated)')
    .option('--paused', 'create paused')
    .option('--note <text>', 'a note shown with the schedule')
    .action(async (o, cmd: Command) => {
      const body: Record<string, unknown> = {
        workload_id: o.workloadId,
        client_id: o.clientId,
        timezone: o.timezone,
        overlap: o.overlap,
        paused: Boolean(o.paused),
      };
      if (o.cron !== undefined) body.cron = o.cron;
      if (o.every !== undefined) body.interval_seconds = o.every;
      if (o.config) body.config_name = o.config;
      if (o.id) body.schedule_id = o.id;
      if (o.note) body.note = o.note;
      const s = await ctx.api(cmd).request<Schedule>('POST', '/api/schedules', body);
      ctx.print(cmd, s, () => `Created schedule ${s.id}; next run ${s.next_run_times[0] ?? '(paused)'}`);
    });

  schedules
    .command('list')
    .description('list flywheel schedules')
    .option('-w, --workload-id <id>', 'only this workload')
    .action(async (o, cmd: Command) => {
      const q = o.workloadId ? `?workload_id=${encodeURIComponent(o.workloadId)}` : '';
      const res = await ctx.api(cmd).get<{ schedules: Schedule[] }>(`/api/schedules${q}`);
      ctx.print(cmd, res, () => schedulesTable(res.schedules));
    });

  for (const [name, method, suffix, text] of [
    ['pause', 'POST', '/pause', 'pause a schedule'],
    ['unpause', 'POST', '/unpause', 'unpause a schedule'],
    ['trigger', 'POST', '/trigger', 'start a run of the schedule now'],
    ['delete', 'DELETE', '', 'delete a schedule (runs it started are kept)'],
  ] as const) {
    const command = schedules
      .command(name)
      .description(text)
      .argument('<schedule-id>', 'schedule id')
      .action(async (id: string, o: { note?: string }, cmd: Command) => {
        const body = o.note ? { note: o.note } : undefined;
        const res = await ctx
          .api(cmd)
          .request<Message>(method, `/api/schedules/${encodeURIComponent(id)}${suffix}`, body);
        ctx.print(cmd, res, () => `${res.id}: ${res.message}`);
      });
    if (name === 'pause' || name === 'unpause') command.option('--note <text>', 'why');
  }
  return schedules;
}
