import type { EmulatorContext } from '../context';
import { ACADEMIC_BENCHMARKS } from './academic-types';
import type { BenchmarkConfig, ModelRef } from './config-schema';
import { gsm8kItems } from './gsm8k-items';
import { mean, type ScoreSummary } from './metrics';
import type { ItemHooks } from './run-task';
import { callModel } from './targets';

// Academic benchmarks (the Evaluator's LM Evaluation Harness types) the emulator runs. GSM8K as
// lm-eval scores it: the model is asked the question zero-shot; `exact_match__strict-match`
// takes the number after `#### ` in the answer, `exact_match__flexible-extract` the last number
// in it, each compared with the reference's `#### ` number.

const STRICT = /#### (-?[0-9.,]+)/;
const NUMBER = /-?\d[\d,]*(?:\.\d+)?/g;

const normalize = (n: string | undefined) =>
  n === undefined ? undefined : Number(n.replace(/,/g, '').replace(/\.$/, ''));

export interface BenchmarkTask {
  name: string;
  items: { question: string; answer: string }[];
}

/** The tasks of a benchmark config, each with the items `limit_samples` leaves. */
export function prepareBenchmark(config: BenchmarkConfig): BenchmarkTask[] {
  const names = config.tasks
    ? Object.entries(config.tasks).map(([name, t]) => ({ name, type: t.type }))
    : [{ name: config.type, type: config.type }];
  const limit = config.params?.limit_samples ?? undefined;
  return names.map(({ name }) => ({
    name,
    items: gsm8kItems().slice(0, limit ?? ACADEMIC_BENCHMARKS.gsm8k.defaultLimit),
  }));
}

export async function runBenchmarkTask(
  ctx: EmulatorContext,
  task: BenchmarkTask,
  config: BenchmarkConfig,
  target: ModelRef,
  signal: AbortSignal,
  hooks: ItemHooks,
) {
  const strict: number[] = [];
  const flexible: number[] = [];
  for (const [index, item] of task.items.entries()) {
    await hooks.beforeItem();
    const itemStartedAt = ctx.scheduler.now();
    const request: Record<string, unknown> = {
      messages: [{ role: 'user', content: `Question: ${item.question}\nAnswer:` }],
      ...(config.params?.max_tokens ? { max_tokens: config.params.max_tokens } : {}),
      ...(config.params?.temperature !== undefined && config.params?.temperature !== null
        ? { temperature: config.params.temperature }
        : {}),
    };
    const response = (await callModel(ctx, target, request, signal)) as {
      choices?: { message?: { content?: string | null } }[];
    };
    const text = response.choices?.[0]?.message?.content ?? '';
    const reference = normalize(STRICT.exec(item.answer)?.[1]);
    const strictAnswer = normalize(STRICT.exec(text)?.[1]);
    const flexibleAnswer = normalize([...text.matchAll(NUMBER)].at(-1)?.[0]);
    const s = strictAnswer !== undefined && strictAnswer === reference ? 1 : 0;
    const f = flexibleAnswer !== undefined && flexibleAnswer === reference ? 1 : 0;
    strict.push(s);
    flexible.push(f);
    hooks.afterItem({
      index,
      item,
      sample: { output_text: text, response },
      metrics: {
        'exact_match__strict-match': { 'exact_match__strict-match': s },
        'exact_match__flexible-extract': { 'exact_match__flexible-extract': f },
      },
    });
    await ctx.scheduler.sleepRest(ctx.durations.evaluation_item_ms, itemStartedAt, signal);
  }
  const summary = (name: string, values: number[]): Record<string, { scores: Record<string, ScoreSummary> }> => ({
    [name]: { scores: { [name]: mean(values) } },
  });
  return {
    metrics: {
      ...summary('exact_match__strict-match', strict),
      ...summary('exact_match__flexible-extract', flexible),
    },
  };
}
