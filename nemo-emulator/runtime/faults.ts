import { z } from 'zod';
import { hash32, mulberry32 } from './rng';

// The fault plan (`PUT /admin/faults`, `--faults file.json`, `startEmulator({ faults })`):
// per-route error rates, latency and hangs, and life-cycle faults matched by name.

const rate = z.number().min(0).max(1);
const names = z.union([z.literal(true), z.array(z.string().min(1))]);

export const RouteFaultSchema = z.strictObject({
  error_5xx_rate: rate.optional(),
  error_429_rate: rate.optional(),
  timeout_rate: rate.optional(),
  /** The request is carried out, then its response is lost (the client sees a 504). */
  lost_response_rate: rate.optional(),
  latency_ms: z.number().int().min(0).max(600_000).optional(),
  /** How long a "timed out" request is held before a 504, unless the client hangs up first. */
  hang_ms: z.number().int().min(0).max(3_600_000).optional(),
});

export const FaultPlanSchema = z.strictObject({
  seed: z.number().int().optional(),
  routes: z
    .record(
      z.string().regex(/^(\*|(GET|POST|PUT|PATCH|DELETE) \/\S*)$/, 'must be "*" or "METHOD /path/template"'),
      RouteFaultSchema,
    )
    .optional(),
  customization: z
    .strictObject({ not_enough_resources: names.optional(), stall: names.optional(), fail: names.optional() })
    .optional(),
  deployment: z.strictObject({ never_ready: names.optional(), fail: names.optional() }).optional(),
  evaluation: z
    .strictObject({
      fail: names.optional(),
      stall: names.optional(),
      /** The job completes, but its results archive holds only results.json (no per-sample files). */
      no_samples: names.optional(),
    })
    .optional(),
});

export type FaultPlan = z.infer<typeof FaultPlanSchema>;
export type RouteFault = z.infer<typeof RouteFaultSchema>;

export type RouteFaultKind = 'error_5xx' | 'error_429' | 'timeout' | 'lost_response';

export const DEFAULT_HANG_MS = 120_000;

export class Faults {
  private plan: FaultPlan = {};
  private roll: () => number;

  constructor(
    private readonly defaultSeed: number,
    initial?: FaultPlan,
  ) {
    this.roll = mulberry32(hash32('faults', defaultSeed));
    if (initial) this.set(initial);
  }

  set(plan: FaultPlan): void {
    this.plan = plan;
    this.roll = mulberry32(hash32('faults', plan.seed ?? this.defaultSeed));
  }

  get(): FaultPlan {
    return this.plan;
  }

  clear(): void {
    this.set({});
  }

  /** The route's rule: the "*" rule overridden field by field by the route's own. */
  routeRule(key: string): RouteFault | undefined {
    const all = this.plan.routes?.['*'];
    const own = this.plan.routes?.[key];
    if (!all && !own) return undefined;
    return { ...all, ...own };
  }

  /** Which error, if any, this request gets; the rolls consume the seeded sequence in order. */
  pickRouteFault(rule: RouteFault): RouteFaultKind | undefined {
    if (rule.timeout_rate && this.roll() < rule.timeout_rate) return 'timeout';
    if (rule.error_429_rate && this.roll() < rule.error_429_rate) return 'error_429';
    if (rule.error_5xx_rate && this.roll() < rule.error_5xx_rate) return 'error_5xx';
    if (rule.lost_response_rate && this.roll() < rule.lost_response_rate) return 'lost_response';
    return undefined;
  }

  customization(kind: 'not_enough_resources' | 'stall' | 'fail', candidates: string[]): boolean {
    return matches(this.plan.customization?.[kind], candidates);
  }

  deployment(kind: 'never_ready' | 'fail', candidates: string[]): boolean {
    return matches(this.plan.deployment?.[kind], candidates);
  }

  evaluation(kind: 'fail' | 'stall' | 'no_samples', candidates: string[]): boolean {
    return matches(this.plan.evaluation?.[kind], candidates);
  }
}

function matches(rule: true | string[] | undefined, candidates: string[]): boolean {
  if (rule === undefined) return false;
  if (rule === true) return true;
  return rule.some((needle) => candidates.some((c) => c.includes(needle)));
}
