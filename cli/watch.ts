import type { FlywheelApiClient } from './api-client';
import { CliError, type CliIo } from './io';
import type { GpuLedger, JobDetail, JobProgress } from './types';
import { clip, renderRow, type WatchRow, watchRows } from './watch-rows';

// Follows a job until it ends. On a terminal the whole table is redrawn in place each poll,
// fitted to the terminal's width; otherwise one line per change (CI logs, pipes). An API that
// stops answering (restart, deploy) is retried with backoff while the display says so.

interface Display {
  show(rows: WatchRow[], notice?: string): void;
  stop(): void;
}

const CSI = '\u001b[';

function frameDisplay(io: CliIo): Display {
  const stream = io.barStream;
  let drawn = 0;
  stream.write(`${CSI}?25l`); // hide the cursor while redrawing
  return {
    show(rows, notice) {
      const width = Math.max(40, (stream.columns ?? io.columns ?? 100) - 1);
      const labelWidth = Math.min(40, Math.max(12, ...rows.map((r) => r.label.length + 2 * r.depth)));
      const lines = rows.map((r) => renderRow(r, width, labelWidth));
      lines.push(clip(notice ?? '', width));
      let out = drawn ? `${CSI}${drawn}A` : '';
      for (const line of lines) out += `${CSI}2K${line}\n`;
      // A frame shorter than the last one clears the leftover lines.
      for (let i = lines.length; i < drawn; i++) out += `${CSI}2K\n`;
      if (drawn > lines.length) out += `${CSI}${drawn - lines.length}A`;
      stream.write(out);
      drawn = lines.length;
    },
    stop: () => stream.write(`${CSI}?25h`),
  };
}

function lineDisplay(io: CliIo): Display {
  const last = new Map<string, string>();
  let lastNotice = '';
  const emit = (key: string, state: string) => {
    if (last.get(key) === state) return;
    last.set(key, state);
    io.err(`${new Date().toISOString().slice(11, 19)} ${key}: ${state}`);
  };
  return {
    show(rows, notice) {
      for (const r of rows) {
        const key = r.depth === 2 ? r.key : r.label;
        emit(
          key,
          `${r.status}${r.progress === null ? '' : ` ${Math.round(r.progress)}%`}${r.note ? ` ${r.note}` : ''}`,
        );
      }
      if (notice && notice !== lastNotice) io.err(`${new Date().toISOString().slice(11, 19)} ${notice}`);
      lastNotice = notice ?? '';
    },
    stop: () => undefined,
  };
}

/** An error worth waiting out: the API is unreachable or answers 5xx (restarting, overloaded). */
const transient = (err: unknown) =>
  err instanceof CliError && (err.unreachable || (err.httpStatus !== undefined && err.httpStatus >= 500));

export interface WatchOptions {
  intervalMs: number;
  timeoutMs?: number;
  /** Longest wait between reconnection attempts (default 30 s). */
  maxBackoffMs?: number;
  /** Give up after the API has been unreachable this long (default 15 min). */
  reconnectForMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function watchJob(
  api: FlywheelApiClient,
  io: CliIo,
  jobId: string,
  options: WatchOptions,
): Promise<JobDetail> {
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const display = io.barStream.isTTY ? frameDisplay(io) : lineDisplay(io);
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const reconnectFor = options.reconnectForMs ?? 15 * 60_000;
  let rows: WatchRow[] = [];
  let failingSince: number | undefined;
  let attempt = 0;
  try {
    for (;;) {
      let job: JobDetail;
      let live: JobProgress | undefined;
      let ledger: GpuLedger | undefined;
      try {
        job = await api.get<JobDetail>(`/api/jobs/${encodeURIComponent(jobId)}`);
        // Live state (retries, stalls) while it runs; a 409 (just finished) or 503 (no worker) is fine.
        if (!job.finished_at) {
          live = await api.get<JobProgress>(`/api/jobs/${encodeURIComponent(jobId)}/progress`).catch((err) => {
            if (err instanceof CliError && err.unreachable) throw err;
            return undefined;
          });
          // The GPU ledger is an extra: a token without access or a ledger that does not answer hides its row.
          ledger = await api.get<GpuLedger>('/api/gpus').catch((err) => {
            if (err instanceof CliError && err.unreachable) throw err;
            return undefined;
          });
        }
      } catch (err) {
        if (!transient(err)) throw err;
        failingSince ??= Date.now();
        attempt++;
        if (Date.now() - failingSince > reconnectFor) throw err;
        const wait = Math.min(maxBackoff, options.intervalMs * 2 ** Math.min(attempt, 10));
        display.show(
          rows,
          `reconnecting to the API (attempt ${attempt}, next in ${Math.ceil(wait / 1000)} s): ${(err as Error).message}`,
        );
        await sleep(wait);
        continue;
      }
      const reconnected = failingSince !== undefined;
      failingSince = undefined;
      attempt = 0;
      rows = watchRows(job, live, ledger);
      display.show(rows, reconnected ? 'reconnected to the API' : undefined);
      if (job.finished_at) return job;
      if (Date.now() > deadline) return job;
      await sleep(options.intervalMs);
    }
  } finally {
    display.stop();
  }
}
