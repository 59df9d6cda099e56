import { ApplicationFailure } from '@temporalio/activity';
import { type FlywheelConfig, FlywheelConfigSchema } from '../config/schema';
import type { ResultsStore } from '../stores/results/results-store';

// A run's config is stored once, when the run initializes (ResultsStore.saveRunConfig). Workflow
// code then names it by reference, `configRef: <job id>`, instead of carrying the whole config in
// every activity input (about ten copies per candidate in each history). Runs started on older
// code still pass `config` itself; both forms are accepted.

/** What a config-taking activity accepts from workflow code: the config, or the run whose config it is. */
export type ConfigOrReference = { config: FlywheelConfig } | { configRef: string };

type ByReference<F> = F extends (input: infer I) => infer R
  ? I extends { config: FlywheelConfig }
    ? (input: Omit<I, 'config'> & ConfigOrReference) => R
    : F
  : F;

export type ConfigByReference<T> = { [K in keyof T]: ByReference<T[K]> };

// biome-ignore lint/suspicious/noExplicitAny: activity inputs differ per activity
type AnyActivity = (...args: any[]) => Promise<unknown>;

/** Wraps every activity so an input naming its config by `configRef` gets the stored config as `config`. */
export function resolveConfigByReference<T extends Record<string, AnyActivity>>(
  activities: T,
  results: Pick<ResultsStore, 'getRunConfig'>,
): ConfigByReference<T> {
  const wrapped = Object.entries(activities).map(([name, fn]) => [
    name,
    async (input?: unknown, ...rest: unknown[]) => fn(await withConfig(input, results), ...rest),
  ]);
  return Object.fromEntries(wrapped) as ConfigByReference<T>;
}

async function withConfig(input: unknown, results: Pick<ResultsStore, 'getRunConfig'>): Promise<unknown> {
  if (typeof input !== 'object' || input === null || !('configRef' in input)) return input;
  const { configRef, ...rest } = input as { configRef: unknown; config?: unknown };
  if (rest.config !== undefined) return rest;
  if (typeof configRef !== 'string') {
    throw ApplicationFailure.nonRetryable(`configRef must be a run id, got ${typeof configRef}`, 'ConfigError');
  }
  const stored = await results.getRunConfig(configRef);
  if (stored === null) {
    throw ApplicationFailure.nonRetryable(
      `run ${configRef} has no stored config (was the run deleted?)`,
      'ConfigError',
    );
  }
  return { ...rest, config: FlywheelConfigSchema.parse(stored) };
}
