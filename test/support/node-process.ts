import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const TSX = path.join(REPO, 'node_modules/tsx/dist/cli.mjs');

/** One of the project's entry points (api/main.ts, worker/main.ts) as a real process, its output kept. */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stdout = '';
  private stderr = '';

  constructor(entry: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [TSX, path.join(REPO, entry)], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => {
      this.stdout += String(d);
    });
    this.child.stderr?.on('data', (d) => {
      this.stderr += String(d);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Every line it wrote, stdout then stderr, without empty lines. */
  lines(): { stream: 'stdout' | 'stderr'; line: string }[] {
    const split = (text: string, stream: 'stdout' | 'stderr') =>
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((line) => ({ stream, line }));
    return [...split(this.stdout, 'stdout'), ...split(this.stderr, 'stderr')];
  }

  output(): string {
    return this.stdout + this.stderr;
  }

  /** Resolves with the first match of `re` in its output; rejects if it exits first or after `timeoutMs`. */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.output());
      if (m) return m;
      if (this.child.exitCode !== null)
        throw new Error(`exited ${this.child.exitCode} before ${re}:\n${this.output()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${this.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
