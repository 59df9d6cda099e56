import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { readEnvironment } from '../../config/environment';
import { createElasticsearchClient, waitForElasticsearch } from '../../stores/elasticsearch';
import { LoadAbortedError, type LoadSummary, loadLogs } from '../../stores/log-loader';
import { LogInputError, resolveLogSources } from '../../stores/log-source';
import type { CliContext } from '../context';
import { CliError } from '../io';

// Commands that act on this machine rather than through the API: load logs into
// Elasticsearch, run the NeMo emulator, start or stop the local stack.

/** The repository (or installed package) root: the nearest folder up with a package.json. */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const REPO = packageRoot();
const MAX_REJECTIONS_PRINTED = 50;

function logsCommand(ctx: CliContext): Command {
  const logs = new Command('logs').description('production logs in Elasticsearch');
  logs
    .command('load')
    .description(
      'load logs (log or conversation format, one JSON object per line) into the log index: a file, ' +
        'a directory of files, or - for standard input; gzip, UTF-16 and CR line endings are read as they are',
    )
    .argument('<path>', 'JSONL file (plain or gzip), a directory of them, or - for standard input')
    .option('-i, --index <name>', 'index (default: ES_COLLECTION_NAME or "flywheel")')
    .option('-w, --workload-id <id>', 'set workload_id on every record (required for conversation-format lines)')
    .option('-c, --client-id <id>', 'set client_id on every record')
    .option('--es-url <url>', 'Elasticsearch URL (default: ELASTICSEARCH_URL)')
    .action(async (file: string, o, cmd: Command) => {
      let sources: Awaited<ReturnType<typeof resolveLogSources>>;
      try {
        sources = await resolveLogSources(file, ctx.io.stdin ?? process.stdin);
      } catch (err) {
        throw new CliError(err instanceof LogInputError ? err.message : String(err));
      }
      const env = readEnvironment(ctx.io.env);
      const url = o.esUrl ?? env.ELASTICSEARCH_URL;
      const index = o.index ?? env.ES_COLLECTION_NAME;
      const es = createElasticsearchClient(url);
      const summaryLine = (s: LoadSummary) =>
        `${index}: ${s.files > 1 ? `${s.files} files, ` : ''}${s.lines} lines, ${s.loaded} loaded, ${s.duplicates} duplicates, ${s.rejected} rejected`;
      try {
        await waitForElasticsearch(es, url, 10_000).catch((err: Error) => {
          throw new CliError(err.message);
        });
        let printed = 0;
        let summary: LoadSummary;
        try {
          summary = await loadLogs({
            elasticsearch: es,
            index,
            sources,
            workloadId: o.workloadId,
            clientId: o.clientId,
            maxRejectionsKept: 0,
            onReject: (r) => {
              if (printed++ < MAX_REJECTIONS_PRINTED) ctx.io.err(`${r.file}:${r.line}: rejected: ${r.reason}`);
            },
          });
        } catch (err) {
          if (!(err instanceof LoadAbortedError)) throw err;
          ctx.io.err(summaryLine(err.summary));
          throw new CliError(`${err.message}; lines before the stop that were loaded stay loaded`);
        }
        if (printed > MAX_REJECTIONS_PRINTED)
          ctx.io.err(`... and ${printed - MAX_REJECTIONS_PRINTED} more rejected lines`);
        for (const e of summary.inputErrors) ctx.io.err(`${e.file}: not read: ${e.reason}`);
        const { rejections: _omitted, ...counts } = summary;
        ctx.print(cmd, { index, ...counts }, () => summaryLine(summary));
        const problems = [
          summary.rejected > 0 ? `${summary.rejected} line(s) rejected` : '',
          summary.inputErrors.length > 0 ? `${summary.inputErrors.length} input(s) not read` : '',
        ].filter(Boolean);
        if (problems.length > 0) throw new CliError(`${problems.join(', ')} (see above)`, 2);
      } finally {
        await es.close();
      }
    });
  return logs;
}

function emulatorCommand(): Command {
  const emulator = new Command('emulator').description('the NeMo Microservices emulator');
  emulator
    .command('start')
    .description(
      'run the NeMo emulator in the foreground (options as nemo-emulator/main.ts: --port, --time-scale, --seed, --faults)',
    )
    .allowUnknownOption()
    .helpOption(false)
    .argument('[options...]', 'passed to the emulator')
    .action((args: string[]) => {
      // The emulator's entry point parses process.argv itself.
      process.argv = [process.argv[0] as string, 'nemo-emulator', ...args];
      require('../../nemo-emulator/main');
    });
  return emulator;
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: REPO });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function stackCommand(): Command {
  const stack = new Command('stack').description(
    'the local stack: Temporal, Elasticsearch, FerretDB (scripts/stack.sh)',
  );
  for (const [name, text] of [
    ['up', 'install (first time) and start the local servers'],
    ['down', 'stop the local servers'],
    ['status', 'show what runs'],
  ] as const) {
    stack
      .command(name)
      .description(text)
      .allowUnknownOption()
      .argument('[args...]', 'passed to scripts/stack.sh, e.g. --headless')
      .action(async (args: string[]) => {
        const code = await run('bash', [path.join(REPO, 'scripts', 'stack.sh'), name, ...args]);
        if (code !== 0) throw new CliError(`scripts/stack.sh ${name} exited with ${code}`, code);
      });
  }
  return stack;
}

export function localCommands(ctx: CliContext): Command[] {
  return [logsCommand(ctx), emulatorCommand(), stackCommand()];
}
