import { type ConfigError, loadFlywheelConfig, parseFlywheelConfig } from '../../config/load';
import { DEFAULT_MODEL_PRICES, modelPrices } from '../../config/schema';

const minimal = {
  nmp_config: { nemo_base_url: 'http://n.test', nim_base_url: 'http://nim.test', datastore_base_url: 'http://ds.test' },
  nims: [{ model_name: 'meta/llama-3.2-1b-instruct', context_length: 8192 }],
  llm_judge_config: {
    deployment_type: 'remote',
    url: 'http://judge.test/v1',
    model_name: 'meta/llama-3.3-70b-instruct',
  },
};

function issues(raw: unknown): string[] {
  try {
    parseFlywheelConfig(raw);
  } catch (err) {
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('decision config', () => {
  test('a config without the sections gets the documented gate and prices for every shipped model', () => {
    const config = parseFlywheelConfig(minimal);
    expect(config.quality_gate).toEqual({
      confidence_level: 0.95,
      tool_calling: { metric: 'function_name_and_args_accuracy', threshold: 0.9, min_eval_size: 20 },
      classification: { metric: 'f1', threshold: 0.9, min_eval_size: 20 },
      generic: { metric: 'similarity', threshold: 0.9, min_eval_size: 20 },
      retrieval: { metric: 'ndcg_cut_10', threshold: 0.9, min_eval_size: 20 },
    });
    expect(config.cost_model).toMatchObject({ production_model: null, models: [], traffic_window_days: 30 });
    const shipped = loadFlywheelConfig('default', {});
    const prices = modelPrices(shipped.cost_model);
    for (const nim of [...shipped.nims, ...shipped.embedding_nims]) expect(prices.has(nim.model_name)).toBe(true);
    expect(prices.has(shipped.llm_judge_config.model_name)).toBe(true);
  });

  test('configured prices replace a default by model name and add new models', () => {
    const config = parseFlywheelConfig({
      ...minimal,
      cost_model: {
        models: [
          { model_name: 'meta/llama-3.2-1b-instruct', input_per_million: 0.02, output_per_million: 0.04 },
          { model_name: 'acme/own-model', gpus: 2, gpu_hourly_rate: 3, tokens_per_second: 900 },
        ],
      },
    });
    const prices = modelPrices(config.cost_model);
    expect(prices.get('meta/llama-3.2-1b-instruct')).toMatchObject({ input_per_million: 0.02 });
    expect(prices.get('acme/own-model')).toMatchObject({ gpus: 2 });
    expect(prices.size).toBe(DEFAULT_MODEL_PRICES.length + 1);
  });

  test('bad gate and price entries are rejected with the field and reason', () => {
    expect(issues({ ...minimal, quality_gate: { generic: { metric: 'f1' } } })[0]).toMatch(
      /^quality_gate\.generic\.metric: /,
    );
    expect(issues({ ...minimal, quality_gate: { tool_calling: { threshold: 1.5 } } })[0]).toMatch(
      /^quality_gate\.tool_calling\.threshold: /,
    );
    expect(issues({ ...minimal, quality_gate: { confidence_level: 1 } })[0]).toMatch(
      /^quality_gate\.confidence_level: /,
    );
    expect(issues({ ...minimal, cost_model: { models: [{ model_name: 'x/y', input_per_million: 1 }] } })[0]).toMatch(
      /^cost_model\.models\.0/,
    );
    // a misspelt key is refused, not silently ignored
    expect(issues({ ...minimal, quality_gate: { tool_calling: { treshold: 0.5 } } })[0]).toMatch(
      /^quality_gate\.tool_calling/,
    );
    expect(issues({ ...minimal, cost_model: { production: 'x' } })[0]).toMatch(/^cost_model/);
  });
});
