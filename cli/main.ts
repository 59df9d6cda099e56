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

export function buildProgram(io: CliIo): Command {
  const ctx = createContext(io);
  const program = new Command('flywheel')
    .description('Turn production LLM logs into cheaper fine-tuned models.')
    .option('--api-url <url>', 'Flywheel API (default: FLYWHEEL_API_URL or http://127.0.0.1:8000)')
    .option('--token <token>', 'API bearer token (default: FLYWHEEL_API_TOKEN)')
    .option('--json', 'print JSON (for scripts)')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  for (const command of [jobsCommand(ctx), schedulesCommand(ctx), workloadsCommand(ctx), ...localCommands(ctx)]) {
    program.addCommand(command);
  }
  // Subcommands inherit output and exit handling, so errors reach runCli.
  const inherit = (c: Command) => {
    c.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }).exitOverride();
    c.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // help/version, or a usage error already printed
    if (err instanceof CliError) {
      io.err(`flywheel: ${err.message}`);
      return err.exitCode;
    }
    io.err(`flywheel: unexpected error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runCli(argv);
}
