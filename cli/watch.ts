import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { FlywheelApiClient } from './api-client';
import type { CliIo } from './io';
import type { JobDetail } from './types';

// Follows a job until it ends: one progress bar per candidate step (each evaluation and the
// customization) on a terminal, or one line per change otherwise (CI logs, pipes).

interface Step {
  key: string;
  progress: number;
  status: string;
}

export function stepsOf(job: JobDetail): Step[] {
  return job.nims.flatMap((nim) => [
    ...nim.evaluations.map((e) => ({
      key: `${nim.model_name} ${e.eval_type}`,
      progress: e.progress,
      status: e.status,
    })),
    ...nim.customizations.map((c) => ({
      key: `${nim.model_name} customization`,
      progress: c.progress,
      status: c.status,
    })),
    ...(nim.evaluations.length + nim.customizations.length === 0
      ? [{ key: `${nim.model_name} candidate`, progress: 0, status: nim.status }]
      : []),
  ]);
}

interface Display {
  show(job: JobDetail): void;
  stop(): void;
}

function barDisplay(io: CliIo): Display {
  const multi = new MultiBar(
    {
      format: '{label} [{bar}] {percentage}% {status}',
      stream: io.barStream,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  let run: SingleBar | undefined;
  return {
    show(job) {
      const steps = stepsOf(job);
      const width = Math.max(20, ...steps.map((s) => s.key.length));
      run ??= multi.create(100, 0, { label: 'run'.padEnd(width), status: job.status });
      const done = steps.filter((s) => s.status === 'completed').length;
      run.update(steps.length ? (100 * done) / steps.length : 0, { label: 'run'.padEnd(width), status: job.status });
      for (const s of steps) {
        let bar = bars.get(s.key);
        if (!bar) {
          bar = multi.create(100, 0, { label: s.key.padEnd(width), status: s.status });
          bars.set(s.key, bar);
        }
        bar.update(s.progress, { label: s.key.padEnd(width), status: s.status });
      }
    },
    stop: () => multi.stop(),
  };
}

function lineDisplay(io: CliIo): Display {
  const last = new Map<string, string>();
  const emit = (key: string, state: string) => {
    if (last.get(key) === state) return;
    last.set(key, state);
    io.err(`${new Date().toISOString().slice(11, 19)} ${key}: ${state}`);
  };
  return {
    show(job) {
      emit('run', job.status);
      for (const s of stepsOf(job)) emit(s.key, `${s.status} ${Math.round(s.progress)}%`);
    },
    stop: () => undefined,
  };
}

export async function watchJob(
  api: FlywheelApiClient,
  io: CliIo,
  jobId: string,
  options: { intervalMs: number; timeoutMs?: number },
): Promise<JobDetail> {
  const display = io.barStream.isTTY ? barDisplay(io) : lineDisplay(io);
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
  try {
    for (;;) {
      const job = await api.get<JobDetail>(`/api/jobs/${encodeURIComponent(jobId)}`);
      display.show(job);
      if (job.finished_at) return job;
      if (Date.now() > deadline) return job;
      await new Promise((r) => setTimeout(r, options.intervalMs));
    }
  } finally {
    display.stop();
  }
}
