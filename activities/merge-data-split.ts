import { type DataSplitConfig, DataSplitConfigSchema } from '../config/schema';
import type { DataSplitOverride } from '../contracts';

/**
 * A job's split override merged field by field over the config's values (upstream replaced
 * the whole block with model defaults, silently dropping the YAML's values).
 */
export function mergeDataSplit(base: DataSplitConfig, override: DataSplitOverride | undefined): DataSplitConfig {
  if (!override) return base;
  const defined = Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));
  return DataSplitConfigSchema.parse({ ...base, ...defined });
}
