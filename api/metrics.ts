import type { Client } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { Gauge } from 'prom-client';
import { FLYWHEEL_RUN_STATUSES } from '../contracts/vocabulary';
import { existing, register } from '../observability/metrics';
import type { ResultsStore } from '../stores/results/results-store';
import {
  DEFAULT_GPU_LEDGER_ID,
  GPU_PURPOSES,
  type GpuLedgerState,
  gpuLedgerStateQuery,
} from '../workflows/gpu-budget-contract';

// GET /metrics: prom-client's global registry (Node process metrics plus the flywheel's), with
// gauges read at scrape time: runs by status from the results store, GPUs in use and waiting
// from the namespace's GPU ledger workflow. Served outside /api and without the API's bearer
// tokens, so a Prometheus scrape needs no API credential; FLYWHEEL_METRICS_TOKEN, when set,
// protects it with its own bearer token instead.

export interface MetricsSource {
  temporal: Client;
  results: ResultsStore;
  /** The namespace's GPU ledger workflow id (FLYWHEEL_GPU_LEDGER_ID on the worker). */
  gpuLedgerId?: string;
  /** Bounds each scrape-time read, in ms. */
  timeoutMs?: number;
}

let source: MetricsSource | undefined;

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

// One ledger query serves every GPU gauge of a scrape (they are collected one after the other).
const STATE_REUSE_MS = 500;
let lastState: { at: number; state: Promise<GpuLedgerState | undefined> } | undefined;

function gpuState(): Promise<GpuLedgerState | undefined> {
  if (!source) return Promise.resolve(undefined);
  if (lastState && Date.now() - lastState.at < STATE_REUSE_MS) return lastState.state;
  const handle = source.temporal.workflow.getHandle(source.gpuLedgerId ?? DEFAULT_GPU_LEDGER_ID);
  const state = withTimeout(handle.query(gpuLedgerStateQuery), source.timeoutMs ?? 2000).catch(() => undefined);
  lastState = { at: Date.now(), state };
  return state;
}

const sum = (requests: { gpus: number }[]) => requests.reduce((n, r) => n + r.gpus, 0);

/**
 * GPUs held and asked for in the ledger per purpose (NIM, training, judge, embedding, and any
 * other a lease names): every known purpose appears, with 0 when nothing is held or waiting.
 */
export function gpusByPurpose(
  state: (Pick<GpuLedgerState, 'held' | 'waiting'> & Pick<Partial<GpuLedgerState>, 'orphans'>) | undefined,
): { purpose: string; held: number; waiting: number }[] {
  // shared NIMs the ledger is deleting (their last user died) still hold their GPUs
  const held = [...(state?.held ?? []), ...(state?.orphans ?? [])];
  const waiting = state?.waiting ?? [];
  const purposes = new Set<string>(Object.values(GPU_PURPOSES));
  for (const lease of [...held, ...waiting]) purposes.add(lease.purpose);
  return [...purposes].sort().map((purpose) => ({
    purpose,
    held: sum(held.filter((l) => l.purpose === purpose)),
    waiting: sum(waiting.filter((l) => l.purpose === purpose)),
  }));
}

function defineGauges() {
  existing<Gauge>('flywheel_runs') ??
    new Gauge({
      name: 'flywheel_runs',
      help: 'Flywheel runs (jobs) in the results store, by status',
      labelNames: ['status'],
      async collect() {
        this.reset();
        if (!source) return;
        const counts = await withTimeout(source.results.countRunsByStatus(), source.timeoutMs ?? 2000).catch(
          () => undefined,
        );
        if (!counts) return;
        for (const status of FLYWHEEL_RUN_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
  const gpu = (name: string, help: string, pick: (s: GpuLedgerState) => number) =>
    existing<Gauge>(name) ??
    new Gauge({
      name,
      help,
      async collect() {
        const state = await gpuState();
        this.set(state ? pick(state) : 0);
      },
    });
  gpu('flywheel_gpus_in_use', 'GPUs held in the GPU ledger', (s) => sum(s.held) + sum(s.orphans ?? []));
  gpu('flywheel_gpus_waiting', 'GPUs asked for by holders waiting in the GPU ledger', (s) => sum(s.waiting));
  gpu('flywheel_gpu_budget', "The GPU ledger's budget", (s) => s.budget);
  const byPurpose = (name: string, help: string, pick: (p: ReturnType<typeof gpusByPurpose>[number]) => number) =>
    existing<Gauge>(name) ??
    new Gauge({
      name,
      help,
      labelNames: ['purpose'],
      async collect() {
        this.reset();
        for (const p of gpusByPurpose(await gpuState())) this.set({ purpose: p.purpose }, pick(p));
      },
    });
  existing<Gauge>('flywheel_shared_nim_users') ??
    new Gauge({
      name: 'flywheel_shared_nim_users',
      help: 'Runs using each shared NIM deployment (gpu_policy.share_nims); its GPUs are counted once',
      labelNames: ['deployment'],
      async collect() {
        this.reset();
        const users = new Map<string, number>();
        for (const lease of (await gpuState())?.held ?? []) {
          const name = lease.share?.deployment.name;
          if (name) users.set(name, (users.get(name) ?? 0) + 1);
        }
        for (const [deployment, n] of users) this.set({ deployment }, n);
      },
    });
  byPurpose('flywheel_gpus_held_by_purpose', 'GPUs held in the GPU ledger, by what they are for', (p) => p.held);
  byPurpose(
    'flywheel_gpus_waiting_by_purpose',
    'GPUs asked for by holders waiting in the GPU ledger, by what they are for',
    (p) => p.waiting,
  );
}

function requireMetricsToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token && c.req.header('authorization') !== `Bearer ${token}`) {
      return c.json({ detail: 'Not authenticated' }, 401, { 'WWW-Authenticate': 'Bearer' });
    }
    await next();
  };
}

/** The /metrics route; the gauges read from the last source given (one API per process). */
export function metricsRouter(deps: MetricsSource & { metricsToken?: string }) {
  source = deps;
  lastState = undefined;
  defineGauges();
  return new Hono().get('/', requireMetricsToken(deps.metricsToken), async (c) =>
    c.body(await register.metrics(), 200, { 'content-type': register.contentType }),
  );
}
