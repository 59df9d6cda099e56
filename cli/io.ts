/** Where the CLI writes, and what it reads from its environment; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The stream progress bars draw on (a TTY gets bars, anything else plain lines). */
  barStream: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** What `logs load -` reads; the process's standard input unless a test passes one. */
  stdin?: NodeJS.ReadableStream;
}

export const processIo = (): CliIo => ({
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  barStream: process.stderr,
  env: process.env,
});

/** A failure to report as one clear line and a non-zero exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
