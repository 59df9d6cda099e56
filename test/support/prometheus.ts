import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../chaos/private-servers';

// A real Prometheus server (Debian's `prometheus` package, installed by scripts/prometheus.sh)
// as a child process on loopback, scraping the targets it is given every second.

export function prometheusBinary(): string {
  const candidates = [process.env.PROMETHEUS_BIN, '/usr/bin/prometheus'].filter(Boolean) as string[];
  for (const bin of candidates) {
    try {
      execFileSync(bin, ['--version'], { stdio: 'ignore' });
      return bin;
    } catch {
      // try the next one
    }
  }
  throw new Error('prometheus is not installed: run `bash scripts/prometheus.sh install` (scripts/test.sh does)');
}

export interface PrometheusServer {
  url: string;
  /** The value of an instant query's first series, or undefined when it has none. */
  value(query: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function startPrometheus(targets: Record<string, string>): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-prometheus-'));
  const scrapeConfigs = Object.entries(targets).map(([job, url]) => {
    const u = new URL(url);
    return [
      `  - job_name: ${job}`,
      `    metrics_path: ${u.pathname}`,
      '    static_configs:',
      `      - targets: ['${u.host}']`,
    ].join('\n');
  });
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${scrapeConfigs.join('\n')}\n`,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    prometheusBinary(),
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d) => {
    log += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`prometheus did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async value(query) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${query}: ${JSON.stringify(body)}`);
      const first = body.data.result[0];
      return first ? Number(first.value[1]) : undefined;
    },
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
