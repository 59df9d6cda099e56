import { capabilityOf } from './student';

// Catastrophic forgetting, modelled by one documented formula (README "General capability and
// forgetting"): a fine-tune moves the weights by an amount that grows with the optimizer steps
// it takes, the step size and the adapter's capacity, and the model keeps a share of its base
// model's general skill that falls exponentially with that drift. Nothing here knows which
// answer is right: the skill is a probability the model's own reasoning succeeds.

export interface TrainingIntensity {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** LoRA rank; null for all-weights fine-tuning. */
  adapterDim: number | null;
  /** Training records the job read. */
  records: number;
}

/** Rank-32 LoRA is the unit; all-weights fine-tuning moves as much as a rank-512 adapter. */
const REFERENCE_RANK = 32;
const ALL_WEIGHTS_RANK = 512;
/** The drift at which a model keeps 1/e of its general skill. */
export const DRIFT_SCALE = 0.2;

/** drift = epochs × ⌈records / batch_size⌉ × learning_rate × (adapter_dim / 32). */
export function trainingDrift(t: TrainingIntensity): number {
  const steps = t.epochs * Math.max(1, Math.ceil(t.records / Math.max(1, t.batchSize)));
  const capacity = (t.adapterDim ?? ALL_WEIGHTS_RANK) / REFERENCE_RANK;
  return steps * t.learningRate * capacity;
}

/** The share of the base model's general skill a customized model keeps: exp(−drift / 0.2). */
export function retention(t: TrainingIntensity): number {
  return Math.exp(-trainingDrift(t) / DRIFT_SCALE);
}

/** How often the model works a general problem (e.g. a GSM8K item) through without a slip. */
export function generalSkill(baseModel: string, training?: TrainingIntensity): number {
  return capabilityOf(baseModel) * (training ? retention(training) : 1);
}
