import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../chaos/private-servers';

// A real MLflow tracking server (PyPI mlflow, installed by scripts/mlflow.sh into the tools
// dir) as a child process on loopback, storing into a temporary directory.

export interface MlflowServer {
  url: string;
  /** POST (or GET with `query`) on /api/2.0/mlflow/<endpoint>; throws on a non-2xx answer. */
  api<T = Record<string, unknown>>(endpoint: string, body?: unknown, query?: Record<string, string>): Promise<T>;
  close(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');

/** The server on `port` (default: a free one); its first start takes tens of seconds. */
export async function startMlflow(port?: number): Promise<MlflowServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-mlflow-'));
  port ??= await freePort();
  // Its own process group: the server runs uvicorn and a job runner as children.
  const child: ChildProcess = spawn('bash', [path.join(ROOT, 'scripts/mlflow.sh'), 'serve', String(port), dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + String(d)).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  // Its first start creates the database schema: tens of seconds on a loaded machine.
  const deadline = Date.now() + 300_000;
  for (;;) {
    const ready = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mlflow did not start (run \`bash scripts/mlflow.sh install\`):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    async api(endpoint, body, query) {
      const q = query ? `?${new URLSearchParams(query)}` : '';
      const res = await fetch(`${url}/api/2.0/mlflow/${endpoint}${q}`, {
        method: query ? 'GET' : 'POST',
        ...(query ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${endpoint}: ${res.status} ${text}`);
      return JSON.parse(text);
    },
    async close() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
