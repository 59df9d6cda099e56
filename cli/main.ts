import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { jobsCommand } from './commands/jobs';
import { localCommands } from './commands/local';
import { schedulesCommand } from './commands/schedules';
import { workloadsCommand } from './commands/workloads';
import { createContext } from './context';
import { CliError, type CliIo, processIo } from './io';

// `flywheel`: operate the data flywheel through its API (jobs, schedules, workloads) and the
// local machine (logs, emulator, stack). Exit status 0 on success, non-zero with one clear
// line on stderr otherwise.

export function buildProgram(io: CliIo, options: { quietUsage?: boolean } = {}): Command {
  const ctx = createContext(io);
  // With --json a usage error is reported once, as JSON, by runCli instead of commander's text.
  const writeErr = (s: string) => (options.quietUsage ? undefined : io.err(s));
  const program = new Command('flywheel')
    .description('Turn production LLM logs into cheaper fine-tuned models.')
    .option('--api-url <url>', 'Flywheel API (default: FLYWHEEL_API_URL or http://127.0.0.1:8000)')
    .option('--token <token>', 'API bearer token (default: FLYWHEEL_API_TOKEN)')
    .option('--json', 'print JSON (for scripts); errors too, as {"error": {...}} on stderr')
    .version(cliVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr })
    .exitOverride();
  for (const command of [jobsCommand(ctx), schedulesCommand(ctx), workloadsCommand(ctx), ...localCommands(ctx)]) {
    program.addCommand(command);
  }
  // Subcommands inherit output and exit handling, so errors reach runCli.
  const inherit = (c: Command) => {
    c.configureOutput({ writeOut: (s) => io.out(s), writeErr }).exitOverride();
    c.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/** The package's version (package.json sits two levels up from cli/ and from dist/cli/). */
function cliVersion(): string {
  for (const dir of [path.join(__dirname, '..'), path.join(__dirname, '..', '..')]) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not here
    }
  }
  return 'unknown';
}

/** Runs the CLI on `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const json = argv.includes('--json');
  // With --json a failure is one JSON object on stderr, so scripts never parse prose.
  const fail = (kind: string, message: string, code: number, httpStatus?: number) => {
    if (json) io.err(JSON.stringify({ error: { kind, message, exit_code: code, http_status: httpStatus ?? null } }));
    else io.err(`flywheel: ${kind === 'unexpected' ? 'unexpected error: ' : ''}${message}`);
    return code;
  };
  try {
    await buildProgram(io, { quietUsage: json }).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // help or version
      return json ? fail('usage', err.message.replace(/^error: /, ''), 2) : 2; // already printed
    }
    if (err instanceof CliError) return fail('error', err.message, err.exitCode, err.httpStatus);
    return fail('unexpected', (err as Error).stack ?? String(err), 1);
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runCli(argv);
}
