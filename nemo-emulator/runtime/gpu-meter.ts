// GPU accounting of the emulated cluster, for tests and the GPU-economics benchmark
// (`GET /admin/gpus`). A deployment holds its GPUs from its creation until its record is
// removed; a training job holds its GPUs while it runs (a queued job holds none). Busy is the
// part of that doing work: a deployment loading its model (pending) or serving an evaluation,
// a training job training. Seconds are realistic: wall time divided by the time scale.

export type GpuHolderKind = 'deployment' | 'training';

interface Holder {
  gpus: number;
  heldMs: number;
  heldSince?: number;
  loadingMs: number;
  firstLoadingMs: number;
  loadingSince?: number;
  loads: number;
  servingMs: number;
  servingSince?: number;
  servingRefs: number;
}

const fresh = (gpus: number): Holder => ({
  gpus,
  heldMs: 0,
  loadingMs: 0,
  firstLoadingMs: 0,
  loads: 0,
  servingMs: 0,
  servingRefs: 0,
});

export class GpuMeter {
  private readonly holders = new Map<string, Holder>();
  private peak = 0;
  private peakAt: string | null = null;

  constructor(
    private readonly timeScale: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private key = (kind: GpuHolderKind, name: string) => `${kind}:${name}`;

  hold(kind: GpuHolderKind, name: string, gpus: number): void {
    const k = this.key(kind, name);
    const h = this.holders.get(k) ?? fresh(gpus);
    h.gpus = gpus;
    if (h.heldSince === undefined) h.heldSince = this.clock();
    this.holders.set(k, h);
    const inUse = this.inUse();
    if (inUse > this.peak) {
      this.peak = inUse;
      this.peakAt = new Date(this.clock()).toISOString();
    }
  }

  release(kind: GpuHolderKind, name: string): void {
    const h = this.holders.get(this.key(kind, name));
    if (!h || h.heldSince === undefined) return;
    const at = this.clock();
    this.stopLoading(kind, name);
    if (h.servingSince !== undefined) h.servingMs += at - h.servingSince;
    h.servingSince = undefined;
    h.servingRefs = 0;
    h.heldMs += at - h.heldSince;
    h.heldSince = undefined;
  }

  startLoading(name: string): void {
    const h = this.holders.get(this.key('deployment', name));
    if (!h || h.loadingSince !== undefined) return;
    h.loadingSince = this.clock();
    h.loads++;
  }

  stopLoading(kind: GpuHolderKind, name: string): void {
    const h = this.holders.get(this.key(kind, name));
    if (!h || h.loadingSince === undefined) return;
    const ms = this.clock() - h.loadingSince;
    h.loadingMs += ms;
    if (h.loads === 1) h.firstLoadingMs += ms;
    h.loadingSince = undefined;
  }

  /** Work on a holder begins (an evaluation on a deployment, a training job training); nests. */
  startWork(kind: GpuHolderKind, name: string): void {
    const h = this.holders.get(this.key(kind, name));
    if (!h || h.heldSince === undefined) return;
    if (h.servingRefs++ === 0) h.servingSince = this.clock();
  }

  endWork(kind: GpuHolderKind, name: string): void {
    const h = this.holders.get(this.key(kind, name));
    if (!h || h.servingRefs === 0) return;
    if (--h.servingRefs === 0 && h.servingSince !== undefined) {
      h.servingMs += this.clock() - h.servingSince;
      h.servingSince = undefined;
    }
  }

  inUse(): number {
    let n = 0;
    for (const h of this.holders.values()) if (h.heldSince !== undefined) n += h.gpus;
    return n;
  }

  snapshot() {
    const at = this.clock();
    const s = (ms: number) => Math.round((ms / this.timeScale / 1000) * 1000) / 1000;
    const of = (kind: GpuHolderKind) => {
      const out: Record<string, Record<string, number | boolean>> = {};
      for (const [k, h] of this.holders) {
        if (!k.startsWith(`${kind}:`)) continue;
        const open = (since: number | undefined) => (since === undefined ? 0 : at - since);
        const held = h.heldMs + open(h.heldSince);
        const loading = h.loadingMs + open(h.loadingSince);
        const firstLoading = h.firstLoadingMs + (h.loads === 1 ? open(h.loadingSince) : 0);
        const serving = h.servingMs + open(h.servingSince);
        out[k.slice(kind.length + 1)] = {
          gpus: h.gpus,
          holding: h.heldSince !== undefined,
          loads: h.loads,
          held_gpu_seconds: s(held * h.gpus),
          loading_gpu_seconds: s(loading * h.gpus),
          first_loading_gpu_seconds: s(firstLoading * h.gpus),
          working_gpu_seconds: s(serving * h.gpus),
          busy_gpu_seconds: s((loading + serving) * h.gpus),
        };
      }
      return out;
    };
    const deployments = of('deployment');
    const training = of('training');
    const total = (field: string) =>
      Math.round(
        [...Object.values(deployments), ...Object.values(training)].reduce((n, h) => n + Number(h[field] ?? 0), 0) *
          1000,
      ) / 1000;
    return {
      time_scale: this.timeScale,
      gpus_in_use: this.inUse(),
      peak_gpus_in_use: this.peak,
      peak_at: this.peakAt,
      deployments,
      training_jobs: training,
      totals: {
        held_gpu_seconds: total('held_gpu_seconds'),
        busy_gpu_seconds: total('busy_gpu_seconds'),
        loading_gpu_seconds: total('loading_gpu_seconds'),
        first_loading_gpu_seconds: total('first_loading_gpu_seconds'),
        working_gpu_seconds: total('working_gpu_seconds'),
      },
    };
  }
}
