import { Command, Option } from 'commander';
import { type CliContext, integer } from '../context';
import { scheduleReport, schedulesTable } from '../render';
import type { Message, Schedule, ScheduleTrigger } from '../types';

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
    .option(
      '--catchup <seconds>',
      'how late a run missed during an outage may still start (default 7 days)',
      integer('--catchup', 10),
    )
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
      if (o.catchup !== undefined) body.catchup_window_seconds = o.catchup;
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

  schedules
    .command('show')
    .description('a schedule: timing, policies, next and recent runs')
    .argument('<schedule-id>', 'schedule id')
    .action(async (id: string, _o, cmd: Command) => {
      const s = await ctx.api(cmd).get<Schedule>(`/api/schedules/${encodeURIComponent(id)}`);
      ctx.print(cmd, s, () => scheduleReport(s));
    });

  schedules
    .command('update')
    .description("change a schedule's timing, overlap policy, catch-up window or note")
    .argument('<schedule-id>', 'schedule id')
    .option('--cron <expr>', 'new cron expression')
    .option('--every <seconds>', 'run every N seconds instead', integer('--every', 1))
    .option('--timezone <tz>', 'IANA time zone of the cron')
    .addOption(new Option('--overlap <policy>', 'when a run is still active').choices(OVERLAP))
    .option('--catchup <seconds>', 'how late a missed run may still start', integer('--catchup', 10))
    .option('--note <text>', 'a note shown with the schedule')
    .action(async (id: string, o, cmd: Command) => {
      const body: Record<string, unknown> = {};
      if (o.cron !== undefined) body.cron = o.cron;
      if (o.every !== undefined) body.interval_seconds = o.every;
      if (o.timezone !== undefined) body.timezone = o.timezone;
      if (o.overlap !== undefined) body.overlap = o.overlap;
      if (o.catchup !== undefined) body.catchup_window_seconds = o.catchup;
      if (o.note !== undefined) body.note = o.note;
      const s = await ctx.api(cmd).request<Schedule>('PATCH', `/api/schedules/${encodeURIComponent(id)}`, body);
      ctx.print(cmd, s, () => `Updated schedule ${s.id}\n${scheduleReport(s)}`);
    });

  schedules
    .command('trigger')
    .description('start a run of the schedule now (its overlap policy may skip it: the answer says so)')
    .argument('<schedule-id>', 'schedule id')
    .action(async (id: string, _o, cmd: Command) => {
      const res = await ctx
        .api(cmd)
        .request<ScheduleTrigger>('POST', `/api/schedules/${encodeURIComponent(id)}/trigger`);
      ctx.print(cmd, res, () => `${res.id}: ${res.message}`);
    });

  for (const [name, method, suffix, text] of [
    ['pause', 'POST', '/pause', 'pause a schedule'],
    ['unpause', 'POST', '/unpause', 'unpause a schedule'],
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
