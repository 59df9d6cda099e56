// Process-wide figures about what delays a long activity: gaps between its heartbeats, its
// status reads, its awaited store writes. Cheap counters, read and reset by a load probe
// (the concurrency benchmark's worker prints them); nothing in the product depends on them.

export type LoadStat = 'heartbeatGapMs' | 'pollGapMs' | 'statusReadMs' | 'storeWriteMs';

class Samples {
  private values: number[] = [];
  count = 0;
  add(v: number): void {
    this.count++;
    // keep a bounded reservoir: enough for percentiles per probe interval
    if (this.values.length < 5000) this.values.push(v);
    else this.values[Math.floor(Math.random() * 5000)] = v;
  }
  take(): { n: number; p50: number; p99: number; max: number } | undefined {
    if (this.values.length === 0) return undefined;
    const sorted = this.values.sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
    const out = { n: this.count, p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) as number) };
    this.values = [];
    this.count = 0;
    return out;
  }
}

const samples: Record<LoadStat, Samples> = {
  heartbeatGapMs: new Samples(),
  statusReadMs: new Samples(),
  storeWriteMs: new Samples(),
  pollGapMs: new Samples(),
};

export function recordLoadStat(stat: LoadStat, value: number): void {
  samples[stat].add(value);
}

/** The figures since the last call, per stat (absent when nothing was recorded). */
export function takeLoadStats(): Partial<Record<LoadStat, { n: number; p50: number; p99: number; max: number }>> {
  const out: Partial<Record<LoadStat, { n: number; p50: number; p99: number; max: number }>> = {};
  for (const key of Object.keys(samples) as LoadStat[]) {
    const taken = samples[key].take();
    if (taken) out[key] = taken;
  }
  return out;
}
