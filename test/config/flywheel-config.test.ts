import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, listConfigNames, loadFlywheelConfig, parseFlywheelConfig } from '../../config/load';
import { mergeDataSplit } from '../../config/merge-data-split';

const minimal = {
  nmp_config: { nemo_base_url: 'http://n.test', nim_base_url: 'http://nim.test', datastore_base_url: 'http://ds.test' },
  nims: [{ model_name: 'meta/llama-3.2-1b-instruct', context_length: 8192 }],
  llm_judge_config: {
    deployment_type: 'remote',
    url: 'http://judge.test/v1',
    model_name: 'meta/llama-3.3-70b-instruct',
  },
};

function configDir(files: Record<string, unknown>): { env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-config-'));
  const named = path.join(dir, 'named');
  mkdirSync(named);
  for (const [name, body] of Object.entries(files)) {
    const file = name === 'default' ? path.join(dir, 'flywheel.yaml') : path.join(named, `${name}.yaml`);
    writeFileSync(file, typeof body === 'string' ? body : stringify(body));
  }
  return { env: { FLYWHEEL_CONFIG: path.join(dir, 'flywheel.yaml'), FLYWHEEL_CONFIG_DIR: named } };
}

describe('flywheel config', () => {
  test('the shipped default and named configs are valid', () => {
    const names = listConfigNames({});
    expect(names[0]).toBe('default');
    expect(names).toContain('semantic-icl');
    for (const name of names) expect(() => loadFlywheelConfig(name, {})).not.toThrow();
    const config = loadFlywheelConfig('default', {});
    expect(config.nims.length).toBeGreaterThanOrEqual(2);
    expect(config.nmp_config.nmp_namespace).toBe('dfwbp');
  });

  test('unset fields take the upstream code defaults', () => {
    const config = parseFlywheelConfig(minimal);
    expect(config.data_split_config).toEqual({
      eval_size: 20,
      val_ratio: 0.1,
      min_total_records: 50,
      random_seed: null,
      limit: 10000,
      parse_function_arguments: true,
    });
    expect(config.training_config).toEqual({
      training_type: 'sft',
      finetuning_type: 'lora',
      epochs: 2,
      batch_size: 16,
      learning_rate: 0.0001,
      lora: { adapter_dim: 32, adapter_dropout: 0.1 },
    });
    expect(config.nims[0]).toMatchObject({ gpus: 1, customization_enabled: false, registry_base: 'nvcr.io/nim' });
    expect(config.icl_config.example_selection).toBe('uniform_distribution');
  });

  test('a named config is selected by name and differs from the default', () => {
    const { env } = configDir({
      default: minimal,
      'two-gpus': { ...minimal, gpu_budget: 2, training_config: { epochs: 5 } },
    });
    expect(listConfigNames(env)).toEqual(['default', 'two-gpus']);
    expect(loadFlywheelConfig('default', env).gpu_budget).toBe(8);
    const named = loadFlywheelConfig('two-gpus', env);
    expect(named.gpu_budget).toBe(2);
    expect(named.training_config.epochs).toBe(5);
    expect(named.training_config.batch_size).toBe(16);
  });

  test('an unknown or malformed config name is a clear error listing the known names', () => {
    const { env } = configDir({ default: minimal, other: minimal });
    expect(() => loadFlywheelConfig('nope', env)).toThrow(/unknown config "nope"; known: default, other/);
    expect(() => loadFlywheelConfig('../etc/passwd', env)).toThrow(ConfigError);
  });

  test('environment variables override the file', () => {
    const { env } = configDir({ default: minimal });
    const config = loadFlywheelConfig('default', {
      ...env,
      NEMO_BASE_URL: 'http://127.0.0.1:9999',
      NIM_BASE_URL: 'http://127.0.0.1:9998',
      NMP_NAMESPACE: 'team-a',
      FLYWHEEL_GPU_BUDGET: '3',
      FLYWHEEL_POLL_INTERVAL_MS: '250',
    });
    expect(config.nmp_config).toMatchObject({
      nemo_base_url: 'http://127.0.0.1:9999',
      nim_base_url: 'http://127.0.0.1:9998',
      datastore_base_url: 'http://ds.test',
      nmp_namespace: 'team-a',
    });
    expect(config.gpu_budget).toBe(3);
    expect(config.timing.poll_interval_ms).toBe(250);
  });

  test('an invalid environment override is reported with its field', () => {
    const { env } = configDir({ default: minimal });
    expect(() => loadFlywheelConfig('default', { ...env, FLYWHEEL_GPU_BUDGET: 'lots' })).toThrow(/gpu_budget/);
  });

  test.each([
    ['no candidates', { ...minimal, nims: [] }, 'nims', /at least one candidate/],
    [
      'customization without customizer_configs',
      { ...minimal, nims: [{ ...minimal.nims[0], customization_enabled: true }] },
      'nims.0.customizer_configs',
      /requires customizer_configs/,
    ],
    [
      'duplicate candidates',
      { ...minimal, nims: [minimal.nims[0], minimal.nims[0]] },
      'nims.1.model_name',
      /duplicate/,
    ],
    [
      'more ICL examples than eval records',
      { ...minimal, data_split_config: { eval_size: 2 }, icl_config: { max_examples: 3 } },
      'icl_config.max_examples',
      /eval_size \(2\)/,
    ],
    ['val_ratio of 1', { ...minimal, data_split_config: { val_ratio: 1 } }, 'data_split_config.val_ratio', /./],
    [
      'semantic ICL without similarity_config',
      { ...minimal, icl_config: { example_selection: 'semantic_similarity' } },
      'icl_config.similarity_config',
      /similarity_config/,
    ],
    [
      'a model name without a namespace',
      { ...minimal, nims: [{ model_name: 'llama', context_length: 1 }] },
      'nims.0.model_name',
      /namespace\/name/,
    ],
  ])('rejects %s, naming the field', (_what, raw, field, message) => {
    try {
      parseFlywheelConfig(raw);
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const issue = (err as ConfigError).issues.find((i) => i.path === field);
      expect(issue?.message).toMatch(message);
      expect((err as ConfigError).message).toContain(field);
    }
  });

  test('a YAML syntax error names the file', () => {
    const { env } = configDir({ default: 'nims: [\n' });
    expect(() => loadFlywheelConfig('default', env)).toThrow(/cannot read config "default" from .*flywheel\.yaml/);
  });
});

describe('per-job data_split_config', () => {
  const base = parseFlywheelConfig({
    ...minimal,
    data_split_config: { eval_size: 100, val_ratio: 0.2, limit: 1000, random_seed: 7 },
  }).data_split_config;

  test('is merged field by field over the YAML values, not over the code defaults', () => {
    const merged = mergeDataSplit(base, { eval_size: 30 });
    expect(merged).toEqual({ ...base, eval_size: 30 });
    expect(merged.limit).toBe(1000);
    expect(merged.random_seed).toBe(7);
  });

  test('undefined fields keep the YAML value and null clears the seed', () => {
    expect(mergeDataSplit(base, { limit: undefined, random_seed: null })).toEqual({ ...base, random_seed: null });
    expect(mergeDataSplit(base, undefined)).toBe(base);
  });

  test('an invalid override is rejected with its field', () => {
    expect(() => mergeDataSplit(base, { val_ratio: 1.5 })).toThrow(/val_ratio/);
  });
});
