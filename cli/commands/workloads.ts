import { Command } from 'commander';
import type { WorkloadHistoryResponse } from '../../api/workloads/history-schemas';
import { type CliContext, integer } from '../context';
import { workloadsTable } from '../render';
import { historyReport } from '../render-decision';
import type { Workload } from '../types';

export function workloadsCommand(ctx: CliContext): Command {
  const workloads = new Command('workloads')
    .description('workloads with logs in Elasticsearch: what a job can be created for')
    .option('-c, --client-id <id>', 'only this client')
    .action(async (o: { clientId?: string }, cmd: Command) => {
      const q = o.clientId ? `?client_id=${encodeURIComponent(o.clientId)}` : '';
      const res = await ctx.api(cmd).get<{ workloads: Workload[] }>(`/api/workloads${q}`);
      ctx.print(cmd, res, () => workloadsTable(res.workloads));
    });
  workloads
    .command('history')
    .description("a workload's runs, oldest first: candidates' scores with intervals and each recommendation")
    .argument('<workload-id>', 'workload id')
    .option('-c, --client-id <id>', 'only this client')
    .option('--limit <n>', 'the newest this many runs', integer('--limit', 1))
    .action(async (id: string, _o, cmd: Command) => {
      // -c may be taken by the parent `workloads` command; read it from either.
      const o = cmd.optsWithGlobals<{ clientId?: string; limit?: number }>();
      const q = new URLSearchParams();
      if (o.clientId) q.set('client_id', o.clientId);
      if (o.limit) q.set('limit', String(o.limit));
      const path = `/api/workloads/${encodeURIComponent(id)}/history${q.size ? `?${q}` : ''}`;
      const res = await ctx.api(cmd).get<WorkloadHistoryResponse>(path);
      ctx.print(cmd, res, () => historyReport(res.workload_id, res.runs));
    });
  return workloads;
}
