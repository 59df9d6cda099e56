import { Command } from 'commander';
import type { CliContext } from '../context';
import { workloadsTable } from '../render';
import type { Workload } from '../types';

export function workloadsCommand(ctx: CliContext): Command {
  return new Command('workloads')
    .description('workloads with logs in Elasticsearch: what a job can be created for')
    .option('-c, --client-id <id>', 'only this client')
    .action(async (o: { clientId?: string }, cmd: Command) => {
      const q = o.clientId ? `?client_id=${encodeURIComponent(o.clientId)}` : '';
      const res = await ctx.api(cmd).get<{ workloads: Workload[] }>(`/api/workloads${q}`);
      ctx.print(cmd, res, () => workloadsTable(res.workloads));
    });
}
