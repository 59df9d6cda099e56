/** Where the CLI writes, and what it reads from its environment; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The stream progress bars draw on (a TTY gets bars, anything else plain lines). */
  barStream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** What `logs load -` reads; the process's standard input unless a test passes one. */
  stdin?: NodeJS.ReadableStream;
  /** The terminal's width when stdout is one; tables are fitted to it. */
  columns?: number;
}

export const processIo = (): CliIo => ({
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  barStream: process.stderr,
  env: process.env,
  ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
});

/** A failure to report as one clear line and a non-zero exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The API's HTTP status, when the failure is an API answer (undefined: it did not answer). */
    readonly httpStatus?: number,
    /** The API could not be reached (refused, reset, timed out): worth retrying. */
    readonly unreachable = false,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
