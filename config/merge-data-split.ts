import type { DataSplitOverride } from '../contracts';
import { parseFlywheelConfig } from './load';
import { type DataSplitConfig, DataSplitConfigSchema, type FlywheelConfig } from './schema';

/**
 * A job's split override merged field by field over the config's values (upstream replaced
 * the whole block with model defaults, silently dropping the YAML's values).
 */
export function mergeDataSplit(base: DataSplitConfig, override: DataSplitOverride | undefined): DataSplitConfig {
  if (!override) return base;
  const defined = Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));
  return DataSplitConfigSchema.parse({ ...base, ...defined });
}

/**
 * A run's config: the named config with the job's split override merged in, validated as a
 * whole (cross-field rules such as icl_config.max_examples <= eval_size). The API checks a job
 * with it before starting it and the run's first activity builds its config with it, so the
 * two can never disagree. Throws ConfigError naming the fields.
 */
export function runConfig(
  base: FlywheelConfig,
  override: DataSplitOverride | undefined,
  where: string,
): FlywheelConfig {
  if (!override) return base;
  return parseFlywheelConfig({ ...base, data_split_config: mergeDataSplit(base.data_split_config, override) }, where);
}
