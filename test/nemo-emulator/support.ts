import { VirtualClock } from '../../nemo-emulator/runtime/clock';
import { type RunningEmulator, startEmulator } from '../../nemo-emulator/server';
import { EmulatorClient, type Json } from '../support/emulator-client';

// Helpers for the emulator tests: start one on a random port, call it (the shared
// EmulatorClient), upload files through the Hub commit API, poll until a condition holds.

export type { Json, Reply } from '../support/emulator-client';

export class Emulator extends EmulatorClient {
  private constructor(readonly running: RunningEmulator) {
    super(running.url);
  }

  static async start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
    return new Emulator(await startEmulator({ port: 0, timeScale: 0.005, seed: 11, profile: 'demo', ...options }));
  }

  close(): Promise<void> {
    return this.running.close();
  }

  /** The emulator's virtual clock (started with `clock: 'virtual'`). */
  get clock(): VirtualClock {
    const { clock } = this.running;
    if (!(clock instanceof VirtualClock)) throw new Error('this emulator runs on the wall clock');
    return clock;
  }

  /**
   * Waits until `check` holds: on a virtual clock by jumping from one emulated wait to the
   * next (no wall time passes for durations), on the wall clock by polling.
   */
  async waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const { clock } = this.running;
    if (!(clock instanceof VirtualClock)) return waitFor(check, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      // nothing waits on the clock: a job is busy outside it (an HTTP call); let it run
      if (!(await clock.advanceToNext())) await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Creates the Datastore repo and Entity Store dataset `{ns}/{name}` holding `files`. */
  async uploadDataset(ns: string, name: string, files: Record<string, string>): Promise<void> {
    await this.call('POST', '/v1/hf/api/repos/create', { name, organization: ns, type: 'dataset' });
    const lines = [
      JSON.stringify({ key: 'header', value: { summary: `upload ${name}`, description: '' } }),
      ...Object.entries(files).map(([path, text]) =>
        JSON.stringify({
          key: 'file',
          value: { path, content: Buffer.from(text).toString('base64'), encoding: 'base64' },
        }),
      ),
    ];
    const res = await fetch(`${this.url}/v1/hf/api/datasets/${ns}/${name}/commit/main`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.join('\n'),
    });
    if (res.status !== 200) throw new Error(`commit → ${res.status}: ${await res.text()}`);
    const registered = await this.call('POST', '/v1/datasets', {
      name,
      namespace: ns,
      description: '',
      files_url: `hf://datasets/${ns}/${name}`,
    });
    if (registered.status !== 201 && registered.status !== 409) throw new Error(`dataset → ${registered.status}`);
  }

  async deployAndWait(ns: string, model: string): Promise<void> {
    const name = model.replace(/\//g, '-');
    await this.ok('POST', '/v1/deployment/model-deployments', deploymentBody(ns, name, model));
    await this.waitFor(async () => {
      const d = await this.ok('GET', `/v1/deployment/model-deployments/${ns}/${name}`);
      return d.status_details.status === 'ready';
    });
  }

  async createConfig(ns: string, model: string): Promise<string> {
    const name = `${model.split('/')[1]}@v1.0.0+dfw`;
    await this.ok('POST', '/v1/customization/configs', {
      name,
      namespace: ns,
      target: `${model}@2.0`,
      training_options: [{ training_type: 'sft', finetuning_type: 'lora', num_gpus: 1, micro_batch_size: 1 }],
      training_precision: 'bf16-mixed',
      max_seq_length: 4096,
    });
    return `${ns}/${name}`;
  }

  async customize(ns: string, config: string, dataset: string, outputModel: string): Promise<Json> {
    return this.ok('POST', '/v1/customization/jobs', customizationBody(ns, config, dataset, outputModel));
  }

  async waitForJob(path: string, done: (status: string) => boolean = terminal): Promise<Json> {
    let last: Json;
    await this.waitFor(async () => {
      last = await this.ok('GET', path);
      return done(last.status);
    });
    return last;
  }
}

export const terminal = (s: string) => s === 'completed' || s === 'failed' || s === 'cancelled';

export function deploymentBody(ns: string, name: string, model: string) {
  return {
    name,
    namespace: ns,
    config: {
      model,
      nim_deployment: {
        image_name: `nvcr.io/nim/${model}`,
        image_tag: '1.8.3',
        pvc_size: '25Gi',
        gpu: 1,
        additional_envs: { NIM_GUIDED_DECODING_BACKEND: 'outlines' },
      },
    },
  };
}

export function customizationBody(ns: string, config: string, dataset: string, outputModel: string) {
  return {
    // a name is unique in its namespace: one per requested output
    name: `customize-${outputModel.replace(/[^a-z0-9]+/gi, '-')}`,
    namespace: ns,
    custom_fields: { flywheel_key: `customize-${outputModel}` },
    output_model: outputModel,
    config,
    dataset: { name: dataset, namespace: ns },
    hyperparameters: {
      training_type: 'sft',
      finetuning_type: 'lora',
      epochs: 2,
      batch_size: 4,
      learning_rate: 0.0001,
      lora: { adapter_dim: 32, adapter_dropout: 0.1 },
    },
  };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;
