import type { EmulatorContext } from '../context';
import type { TrainingPair } from '../models/embedding-tuning';
import { tuneEmbedder } from '../models/embedding-tuning';
import { type Exemplar, exemplarFromTrainingLine, TrainingLineSchema } from '../models/exemplars';
import { readDatastoreFile } from '../state/datastore-files';
import { type CustomizationJob, type JobStatus, now } from '../state/store';
import { isEmbeddingCustomization, loadEmbeddingPairs } from './embedding-training';

// A LoRA customization: created → pending (queued for GPUs) → running (epochs and steps) →
// completed, when the output model is registered in the Entity Store; the NIM serves it (next
// to its base model, with what it learnt from the training file) only after the adapter sync.
// Durations come from the emulator's profile. A failure is logged as the Customizer does:
// `message` says what happened, `detail` why. Faults: NotEnoughResources keeps it pending,
// stall freezes its progress, fail fails it.

export const TRAINING_FILE = 'training/train_data.jsonl';
const TICKS = 10;
const POLL_MS = 2_000;

export function startCustomization(ctx: EmulatorContext, job: CustomizationJob): void {
  const { signal } = job.controller;
  const names = [job.name ?? '', ...Object.values(job.custom_fields), job.output_model, job.config];
  ctx.scheduler.spawn(`customization ${job.id}`, async () => {
    const sleep = (ms: number) => ctx.scheduler.sleep(ms, signal);
    const durations = ctx.durations;
    await sleep(durations.customization_accept_ms);
    setStatus(job, 'pending', 'pending');
    let starved = false;
    while (ctx.faults.customization('not_enough_resources', names)) {
      if (!starved) {
        ctx.counters.fault('customization_not_enough_resources');
        log(job, 'NotEnoughResources', 'Not enough GPUs are free to schedule the training job');
      }
      starved = true;
      await sleep(POLL_MS);
    }
    await sleep(durations.customization_queue_ms);

    const embedding = isEmbeddingCustomization(job);
    const training = embedding
      ? loadEmbeddingPairs(ctx, job, TRAINING_FILE, job.dataset_parameters?.num_hard_negatives)
      : loadTrainingData(ctx, job);
    if (typeof training === 'string') return fail(job, training);
    setStatus(job, 'running', 'running');
    log(job, 'TrainingJobRunning', `Training started on ${training.length} records`);
    ctx.gpus.hold('training', job.id, trainingGpus(ctx, job));
    ctx.gpus.startWork('training', job.id);
    try {
      await train(training, embedding);
    } finally {
      ctx.gpus.release('training', job.id);
    }
  });

  async function train(training: Exemplar[] | TrainingPair[], embedding: boolean) {
    const sleep = (ms: number) => ctx.scheduler.sleep(ms, signal);
    const durations = ctx.durations;
    const { epochs, batch_size } = job.hyperparameters;
    job.steps_per_epoch = Math.max(1, Math.ceil(training.length / batch_size));
    const totalSteps = epochs * job.steps_per_epoch;
    // Training lasts a fixed part plus a time per record and epoch.
    const trainingMs =
      durations.customization_training_ms + training.length * epochs * durations.customization_record_epoch_ms;

    for (let tick = 1; tick <= TICKS; tick++) {
      if (tick === Math.ceil(TICKS / 2) && ctx.faults.customization('fail', names)) {
        ctx.counters.fault('customization_fail');
        return fail(job, 'The training process exited with an error: CUDA out of memory (injected fault)');
      }
      if (tick === Math.ceil(TICKS / 3)) {
        let stalled = false;
        while (ctx.faults.customization('stall', names)) {
          if (!stalled) ctx.counters.fault('customization_stall');
          stalled = true;
          await sleep(POLL_MS);
        }
      }
      await sleep(trainingMs / TICKS);
      const steps = Math.round((totalSteps * tick) / TICKS);
      job.steps_completed = steps;
      job.epochs_completed = Math.floor(steps / job.steps_per_epoch);
      job.percentage_done = Math.round((100 * tick) / TICKS);
      job.updated_at = now();
    }

    const [namespace = '', name = job.output_model] = job.output_model.split(/\/(.*)/s);
    const at = now();
    ctx.state.models.set(job.output_model, {
      id: job.output_model,
      name,
      namespace,
      base_model: job.base_model,
      created_at: at,
      updated_at: at,
    });
    const servedFrom = ctx.scheduler.now() + durations.adapter_sync_ms * ctx.scheduler.timeScale;
    if (embedding) {
      ctx.state.trainedEmbedders.set(job.output_model, {
        id: job.output_model,
        baseModel: job.base_model,
        tuned: tuneEmbedder(training as TrainingPair[], job.hyperparameters.epochs),
        jobId: job.id,
        servedFrom,
      });
    } else {
      ctx.state.trainedModels.set(job.output_model, {
        id: job.output_model,
        baseModel: job.base_model,
        exemplars: training as Exemplar[],
        epochs: job.hyperparameters.epochs,
        training: {
          epochs: job.hyperparameters.epochs,
          batchSize: job.hyperparameters.batch_size,
          learningRate: Number(job.hyperparameters.learning_rate),
          adapterDim:
            job.hyperparameters.finetuning_type === 'all_weights'
              ? null
              : Number((job.hyperparameters.lora as { adapter_dim?: number } | undefined)?.adapter_dim ?? 32),
          records: training.length,
        },
        jobId: job.id,
        servedFrom,
      });
    }
    setStatus(job, 'completed', 'completed');
  }
}

/** The GPUs the job's customization config trains on (num_gpus × num_nodes of its first training option). */
function trainingGpus(ctx: EmulatorContext, job: CustomizationJob): number {
  const config = ctx.state.customizationConfigs.get(job.config) as
    | { training_options?: { num_gpus?: number; num_nodes?: number }[] }
    | undefined;
  const option = config?.training_options?.[0];
  return (option?.num_gpus ?? 1) * (option?.num_nodes ?? 1);
}

/** The exemplars of the job's training file, or why there are none. */
function loadTrainingData(ctx: EmulatorContext, job: CustomizationJob): Exemplar[] | string {
  const dataset = ctx.state.datasets.get(`${job.dataset.namespace}/${job.dataset.name}`);
  if (!dataset) return `dataset ${job.dataset.namespace}/${job.dataset.name} no longer exists`;
  const bytes = readDatastoreFile(ctx.state, dataset.files_url.replace(/\/$/, ''), TRAINING_FILE);
  if (!bytes) return `${TRAINING_FILE} not found in ${dataset.files_url}`;
  const exemplars: Exemplar[] = [];
  const lines = bytes.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return `${TRAINING_FILE} line ${i + 1}: not JSON`;
    }
    const parsed = TrainingLineSchema.safeParse(json);
    if (!parsed.success) return `${TRAINING_FILE} line ${i + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
    const exemplar = exemplarFromTrainingLine(parsed.data);
    if (!exemplar) return `${TRAINING_FILE} line ${i + 1}: the last message must be the assistant's`;
    exemplars.push(exemplar);
  }
  if (exemplars.length === 0) return `${TRAINING_FILE} holds no records`;
  return exemplars;
}

function setStatus(job: CustomizationJob, status: JobStatus, message: string): void {
  job.status = status;
  log(job, message);
}

/** Failed, the reason in the last log's `detail` (its `message` is the status). */
function fail(job: CustomizationJob, reason: string): void {
  job.status = 'failed';
  log(job, 'failed', reason);
}

export function log(job: CustomizationJob, message: string, detail?: string): void {
  const at = now();
  job.status_logs.push({ message, ...(detail ? { detail } : {}), updated_at: at });
  job.updated_at = at;
}

export function cancelCustomization(job: CustomizationJob): void {
  if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') return;
  job.controller.abort();
  job.status = 'cancelled';
  log(job, 'cancelled', 'Job cancelled by user');
}
