import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

// Servers of the chaos suite's own, on free ports with state in a private directory, so the
// scenarios that stop and restart a server never touch the shared stack (7233/9200/27017).

export const REPO = path.resolve(__dirname, '../..');
const TOOLS = process.env.FLYWHEEL_TOOLS_DIR ?? path.join(REPO, '.tools');

/** A free TCP port on 127.0.0.1 (the OS picks, we release it and hand it on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = require('node:net').connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `scripts/stack.sh up|down --headless` on a private state dir: the script starts only the
 * servers whose URL `env` leaves empty, on the ports `env` gives.
 */
function privateStack(command: 'up' | 'down', stateDir: string, what: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = spawn('bash', [path.join(REPO, 'scripts/stack.sh'), command, '--headless'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, FLYWHEEL_STACK_DIR: stateDir, ...env },
    });
    let err = '';
    script.stderr?.on('data', (d) => {
      err += String(d);
    });
    script.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`stack.sh ${command} (${what}) failed:\n${err}`)),
    );
  });
}

/** One server process that can be stopped (or killed) and started again on the same state. */
export abstract class RestartableServer {
  private child?: ChildProcess;
  constructor(
    readonly name: string,
    readonly port: number,
    readonly stateDir: string,
  ) {
    mkdirSync(stateDir, { recursive: true });
  }

  protected abstract command(): { bin: string; args: string[]; env?: NodeJS.ProcessEnv };
  protected abstract healthy(): Promise<boolean>;
  protected startTimeoutMs = 60_000;

  async start(): Promise<void> {
    const { bin, args, env } = this.command();
    const log = openSync(path.join(this.stateDir, `${this.name}.log`), 'a');
    this.child = spawn(bin, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env }, detached: true });
    const child = this.child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + this.startTimeoutMs;
    while (!(await this.healthy().catch(() => false))) {
      if (exited) {
        const tail = readFileSync(path.join(this.stateDir, `${this.name}.log`), 'utf8').slice(-2000);
        throw new Error(`${this.name} exited before it was healthy:\n${tail}`);
      }
      if (Date.now() > deadline)
        throw new Error(`${this.name} not healthy on port ${this.port} after ${this.startTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops the process group (SIGTERM, or SIGKILL for a crash) and waits until it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      child.kill(signal);
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    }, 20_000);
    await gone;
    clearTimeout(timer);
    this.child = undefined;
  }

  /** Sends a signal to the server's process group (SIGSTOP freezes it, SIGCONT resumes it). */
  signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (!child?.pid) throw new Error(`${this.name} is not running`);
    process.kill(-child.pid, signal);
  }

  async restart(downForMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await new Promise((r) => setTimeout(r, downForMs));
    await this.start();
  }
}

export class PrivateTemporal extends RestartableServer {
  get address() {
    return `127.0.0.1:${this.port}`;
  }
  protected command() {
    return {
      bin: path.join(TOOLS, 'venv/bin/temporal'),
      args: [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--db-filename',
        path.join(this.stateDir, 'temporal.db'),
        '--search-attribute',
        'WorkloadId=Keyword',
        '--search-attribute',
        'ClientId=Keyword',
        '--search-attribute',
        'FlywheelStatus=Keyword',
        '--log-level',
        'error',
      ],
    };
  }
  protected async healthy(): Promise<boolean> {
    if (!(await tcpOpen(this.port))) return false;
    const { Connection } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: this.address, connectTimeout: '2s' });
    try {
      await connection.healthService.check({});
      return true;
    } finally {
      await connection.close();
    }
  }
}

/** The FerretDB binary the stack script builds (its name carries a hash of its sources). */
export function ferretDbBinary(): string {
  if (process.env.FLYWHEEL_FERRETDB_BIN) return process.env.FLYWHEEL_FERRETDB_BIN;
  return execFileSync('bash', [path.join(REPO, 'scripts/stack.sh'), 'ferretdb-bin'], { encoding: 'utf8' }).trim();
}

/** A FerretDB on its SQLite backend: one process, quick to kill and restart. */
export class PrivateFerretDb extends RestartableServer {
  get url() {
    return `mongodb://127.0.0.1:${this.port}`;
  }
  protected command() {
    mkdirSync(path.join(this.stateDir, 'data'), { recursive: true });
    return {
      bin: ferretDbBinary(),
      args: [`127.0.0.1:${this.port}`, path.join(this.stateDir, 'data')],
    };
  }
  protected healthy() {
    return tcpOpen(this.port);
  }
}

/**
 * A private FerretDB on PostgreSQL, as the local stack runs it: started and stopped by
 * scripts/stack.sh with a private state dir and ports (Temporal's and Elasticsearch's URLs are
 * passed on, so it starts only these two).
 */
export class PrivatePostgresFerretDb {
  constructor(
    readonly port: number,
    readonly pgPort: number,
    readonly stateDir: string,
  ) {
    mkdirSync(stateDir, { recursive: true });
  }
  get url() {
    return `mongodb://127.0.0.1:${this.port}`;
  }
  start(): Promise<void> {
    return this.stack('up');
  }
  stop(): Promise<void> {
    return this.stack('down');
  }
  private stack(command: 'up' | 'down'): Promise<void> {
    return privateStack(command, this.stateDir, 'private FerretDB on PostgreSQL', {
      FLYWHEEL_MONGO_PORT: String(this.port),
      FLYWHEEL_PG_PORT: String(this.pgPort),
      FLYWHEEL_FERRETDB_BACKEND: 'postgresql',
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200',
      MONGODB_URL: '',
    });
  }
}

/**
 * A private single-node Elasticsearch (~1 GB RAM, ~30-60 s to start; full suite only), started
 * and stopped by scripts/stack.sh with a private state dir and port: the script starts only the
 * servers whose URL is not given, so with Temporal's and MongoDB's set it starts just this one.
 */
export class PrivateElasticsearch extends RestartableServer {
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  protected command() {
    return { bin: 'bash', args: [] };
  }
  protected async healthy(): Promise<boolean> {
    const res = await fetch(`${this.url}/_cluster/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status?: string };
    return body.status === 'green' || body.status === 'yellow';
  }
  private stack(command: 'up' | 'down'): Promise<void> {
    return privateStack(command, this.stateDir, 'private Elasticsearch', {
      FLYWHEEL_ES_PORT: String(this.port),
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      MONGODB_URL: process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017',
      ELASTICSEARCH_URL: '',
    });
  }
  override async start(): Promise<void> {
    // Elasticsearch runs as its own user when we are root: it must reach its state dir
    chmodSync(this.stateDir, 0o755);
    await this.stack('up');
    await waitUntil(`Elasticsearch on port ${this.port}`, () => this.healthy(), 240_000);
  }
  override stop(): Promise<void> {
    return this.stack('down');
  }
}
