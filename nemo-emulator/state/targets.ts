import { type CustomizationTarget, type EmulatorState, now } from './store';

// The customization targets a fresh Customizer offers (models it can fine-tune), as
// `namespace/name@version`. More can be added with `POST /v1/customization/targets`.

const CATALOGUE: { model: string; parameters: number; name?: string; modelPath?: string }[] = [
  { model: 'meta/llama-3.2-1b-instruct', parameters: 1_000_000_000 },
  { model: 'meta/llama-3.2-3b-instruct', parameters: 3_000_000_000 },
  { model: 'meta/llama-3.1-8b-instruct', parameters: 8_000_000_000 },
  { model: 'meta/llama-3.1-70b-instruct', parameters: 70_000_000_000 },
  { model: 'meta/llama-3.3-70b-instruct', parameters: 70_000_000_000 },
  // the embedding model NeMo Customizer ships as nvidia/llama-3.2-nv-embedqa-1b@v2
  {
    model: 'nvidia/llama-3.2-nv-embedqa-1b-v2',
    parameters: 1_000_000_000,
    name: 'llama-3.2-nv-embedqa-1b@v2',
    modelPath: 'llama32_1b-embedding',
  },
];

export const TARGET_VERSION = '2.0';

export function seedTargets(state: EmulatorState): void {
  const at = now();
  for (const { model, parameters, name, modelPath } of CATALOGUE) {
    const [namespace = '', base = model] = model.split('/');
    const target: CustomizationTarget = {
      id: `cust-target-${base.replace(/[^a-z0-9]+/g, '')}`,
      name: name ?? `${base}@${TARGET_VERSION}`,
      namespace,
      base_model: model,
      model_path: modelPath ?? `${base}_${TARGET_VERSION}`,
      num_parameters: parameters,
      precision: 'bf16-mixed',
      enabled: true,
      status: 'ready',
      model_type: 'nemo',
      created_at: at,
      updated_at: at,
    };
    state.customizationTargets.set(`${namespace}/${target.name}`, target);
  }
}
