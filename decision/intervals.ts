import { seededRandom } from './rng';

// Confidence intervals of a score: Wilson for proportions, percentile bootstrap for any other
// statistic (judge score means, macro F1). Pure functions; every interval is two-sided.

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export const DEFAULT_LEVEL = 0.95;

/** The two-sided standard normal quantile for a confidence level (Acklam's rational approximation). */
export function normalQuantile(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const p = 1 - (1 - level) / 2;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.sqrt(-2 * Math.log(1 - p));
  if (p > 0.97575) return -horner(c, q) / horner([...d, 1], q);
  const r = p - 0.5;
  return (horner(a, r * r) * r) / horner([...b, 1], r * r);
}

/**
 * Wilson score interval of a proportion `p` observed over `n` trials. Also used, as a bound,
 * for the mean of any score in [0, 1] known only as an aggregate: such a score's variance is at
 * most p(1 - p), the Bernoulli variance, so the interval is conservative.
 */
export function wilsonInterval(p: number, n: number, level = DEFAULT_LEVEL): Interval {
  if (!(n > 0)) return { estimate: Number.isFinite(p) ? p : 0, low: 0, high: 1 };
  const phat = Math.min(1, Math.max(0, p));
  const z = normalQuantile(level);
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (phat + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((phat * (1 - phat)) / n + z2 / (4 * n * n));
  return { estimate: phat, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  level?: number;
}

/**
 * Percentile bootstrap: the statistic over `resamples` resamples drawn with replacement (a
 * seeded generator, so the interval is reproducible), cut at the level's two tails.
 */
export function bootstrapInterval<T>(
  samples: readonly T[],
  statistic: (xs: readonly T[]) => number,
  { resamples = 2000, seed = 1, level = DEFAULT_LEVEL }: BootstrapOptions = {},
): Interval {
  const estimate = samples.length === 0 ? 0 : statistic(samples);
  if (samples.length < 2)
    return { estimate, low: samples.length === 0 ? 0 : estimate, high: samples.length === 0 ? 1 : estimate };
  const random = seededRandom(seed);
  const stats = new Float64Array(resamples);
  const draw: T[] = new Array(samples.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < samples.length; i++) draw[i] = samples[Math.floor(random() * samples.length)] as T;
    stats[r] = statistic(draw);
  }
  stats.sort();
  const tail = (1 - level) / 2;
  return { estimate, low: quantile(stats, tail), high: quantile(stats, 1 - tail) };
}

/** Evaluates a polynomial with coefficients from the highest power down. */
const horner = (cs: readonly number[], x: number) => cs.reduce((acc, k) => acc * x + k, 0);

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
