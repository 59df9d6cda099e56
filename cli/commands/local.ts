import { spawn } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { readEnvironment } from '../../config/environment';
import { createElasticsearchClient, waitForElasticsearch } from '../../stores/elasticsearch';
import { loadLogs } from '../../stores/log-loader';
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
    .description('load a JSONL log file (log or conversation format) into the log index')
    .argument('<file>', 'JSONL file')
    .option('-i, --index <name>', 'index (default: ES_COLLECTION_NAME or "flywheel")')
    .option('-w, --workload-id <id>', 'set workload_id on every record (required for conversation-format lines)')
    .option('-c, --client-id <id>', 'set client_id on every record')
    .option('--es-url <url>', 'Elasticsearch URL (default: ELASTICSEARCH_URL)')
    .action(async (file: string, o, cmd: Command) => {
      try {
        if (!statSync(file).isFile()) throw new Error('not a file');
      } catch {
        throw new CliError(`cannot read ${file}: no such file`);
      }
      const env = readEnvironment(ctx.io.env);
      const url = o.esUrl ?? env.ELASTICSEARCH_URL;
      const index = o.index ?? env.ES_COLLECTION_NAME;
      const es = createElasticsearchClient(url);
      try {
        await waitForElasticsearch(es, url, 10_000).catch((err: Error) => {
          throw new CliError(err.message);
        });
        let printed = 0;
        const summary = await loadLogs({
          elasticsearch: es,
          index,
          source: createReadStream(file),
          workloadId: o.workloadId,
          clientId: o.clientId,
          maxRejectionsKept: 0,
          onReject: (r) => {
            if (printed++ < MAX_REJECTIONS_PRINTED) ctx.io.err(`${file}:${r.line}: rejected: ${r.reason}`);
          },
        });
        await es.indices.refresh({ index });
        if (printed > MAX_REJECTIONS_PRINTED)
          ctx.io.err(`... and ${printed - MAX_REJECTIONS_PRINTED} more rejected lines`);
        const { rejections: _omitted, ...counts } = summary;
        ctx.print(
          cmd,
          { index, ...counts },
          () =>
            `${index}: ${summary.lines} lines, ${summary.loaded} loaded, ${summary.duplicates} duplicates, ${summary.rejected} rejected`,
        );
        if (summary.rejected > 0) throw new CliError(`${summary.rejected} line(s) rejected (see above)`, 2);
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
