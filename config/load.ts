import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { fromBlueprint } from './blueprint';
import { type FlywheelConfig, FlywheelConfigSchema } from './schema';

export const DEFAULT_CONFIG_NAME = 'default';
const REPO_CONFIG_DIR = path.resolve(__dirname);
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface ConfigSources {
  /** The default config file (FLYWHEEL_CONFIG, else config/flywheel.yaml). */
  defaultFile: string;
  /** One YAML file per named config (FLYWHEEL_CONFIG_DIR, else config/named/). */
  namedDir: string;
}

export function configSources(env: NodeJS.ProcessEnv = process.env): ConfigSources {
  return {
    defaultFile: env.FLYWHEEL_CONFIG ?? path.join(REPO_CONFIG_DIR, 'flywheel.yaml'),
    namedDir: env.FLYWHEEL_CONFIG_DIR ?? path.join(REPO_CONFIG_DIR, 'named'),
  };
}

/** Names a job may pass as `config_name`: "default" plus one per YAML file in the named dir. */
export function listConfigNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const { namedDir } = configSources(env);
  const named = existsSync(namedDir)
    ? readdirSync(namedDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ''))
    : [];
  return [DEFAULT_CONFIG_NAME, ...named.filter((n) => n !== DEFAULT_CONFIG_NAME).sort()];
}

function fileFor(name: string, env: NodeJS.ProcessEnv): string {
  const sources = configSources(env);
  if (name === DEFAULT_CONFIG_NAME) return sources.defaultFile;
  if (!NAME_RE.test(name)) throw new ConfigError(`invalid config name "${name}"`);
  for (const ext of ['.yaml', '.yml']) {
    const file = path.join(sources.namedDir, name + ext);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(`unknown config "${name}"; known: ${listConfigNames(env).join(', ')}`);
}

/**
 * Loads and validates a config by name. Environment variables override the file, so one
 * image can be pointed at different NeMo endpoints without editing YAML.
 */
export function loadFlywheelConfig(name = DEFAULT_CONFIG_NAME, env: NodeJS.ProcessEnv = process.env): FlywheelConfig {
  const file = fileFor(name, env);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config "${name}" from ${file}: ${(err as Error).message}`);
  }
  return parseFlywheelConfig(applyEnvOverrides(raw, env), `config "${name}" (${file})`);
}

/**
 * Validates a config. A Blueprint config.yaml is mapped first (config/blueprint.ts); a field that
 * would have no effect, or that Flywheel does not know, fails the load with its path.
 */
export function parseFlywheelConfig(raw: unknown, where = 'config'): FlywheelConfig {
  const mapped = fromBlueprint(raw);
  const parsed = FlywheelConfigSchema.safeParse(mapped.config);
  const issues = [...mapped.issues, ...(parsed.success ? [] : formatIssues(parsed.error))];
  if (parsed.success && issues.length === 0) return parsed.data;
  throw new ConfigError(`invalid ${where}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
}

const pathText = (path: PropertyKey[]) => path.map(String).join('.');

export function formatIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({
          path: pathText([...i.path, k]),
          message: 'unknown field: Flywheel would ignore it, so it is refused (check its spelling and section)',
        }))
      : [{ path: pathText(i.path) || '(root)', message: i.message }],
  );
}

const ENV_OVERRIDES: [string, string[], (v: string) => unknown][] = [
  ['NEMO_BASE_URL', ['nmp_config', 'nemo_base_url'], String],
  ['NIM_BASE_URL', ['nmp_config', 'nim_base_url'], String],
  ['DATASTORE_BASE_URL', ['nmp_config', 'datastore_base_url'], String],
  ['NMP_NAMESPACE', ['nmp_config', 'nmp_namespace'], String],
  ['FLYWHEEL_GPU_BUDGET', ['gpu_budget'], Number],
  ['FLYWHEEL_POLL_INTERVAL_MS', ['timing', 'poll_interval_ms'], Number],
  ['FLYWHEEL_HEARTBEAT_TIMEOUT_MS', ['timing', 'heartbeat_timeout_ms'], Number],
];

function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const out = structuredClone(raw) as Record<string, unknown>;
  for (const [name, keyPath, convert] of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let node = out;
    for (const key of keyPath.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keyPath[keyPath.length - 1] as string] = convert(value);
  }
  return out;
}
