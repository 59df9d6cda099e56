import type { EmulatorContext } from '../context';
import type { MetricConfig, ModelRef, TaskConfig } from './config-schema';
import { mean, type ScoreSummary, stringCheck, tokenF1, toolCallingScores } from './metrics';
import { callModel } from './targets';
import { lookup, render, type Scope } from './template';

/** One evaluation task with its dataset rows read, ready to run. */
export interface PreparedTask {
  name: string;
  config: TaskConfig;
  items: unknown[];
}

// One evaluation task: per item, render the request, ask the target, score the answer with
// every metric (each item's output and scores are kept for the results archive); then
// aggregate to `{metrics: {<metric>: {scores: {<score>: {value, stats}}}}}`.

export interface ItemHooks {
  beforeItem(): Promise<void>;
  /** Called with what the item produced: its output and its score per metric. */
  afterItem(outcome: { index: number; item: unknown; sample: SampleOutput; metrics: ItemScores }): void;
}

export interface SampleOutput {
  output_text: string;
  response: unknown;
}

/** Per metric, per score: the item's value (null when the judge's answer could not be parsed). */
export type ItemScores = Record<string, Record<string, number | null>>;

export async function runTask(
  ctx: EmulatorContext,
  task: PreparedTask,
  target: ModelRef,
  signal: AbortSignal,
  hooks: ItemHooks,
) {
  const collected = new Map<string, Record<string, number[]>>();
  for (const name of Object.keys(task.config.metrics)) collected.set(name, {});

  for (const [index, item] of task.items.entries()) {
    await hooks.beforeItem();
    const itemStartedAt = ctx.scheduler.now();
    const request = withoutNulls(render(task.config.params.template, { item }) as Record<string, unknown>);
    const response = await callModel(ctx, target, request, signal);
    const message = lookup('sample.response.choices[0].message', { sample: { response } }) as
      | { content?: unknown; tool_calls?: unknown }
      | undefined;
    const sample = { response, output_text: typeof message?.content === 'string' ? message.content : '' };
    const scope: Scope = { item, sample };
    const itemScores: ItemScores = {};
    for (const [name, metric] of Object.entries(task.config.metrics)) {
      const scores = await scoreItem(ctx, metric, scope, message?.tool_calls, signal);
      itemScores[name] = scores;
      const into = collected.get(name) as Record<string, number[]>;
      for (const [score, value] of Object.entries(scores)) {
        into[score] ??= [];
        if (value !== null) into[score].push(value);
      }
    }
    hooks.afterItem({ index, item, sample, metrics: itemScores });
    await ctx.scheduler.sleepRest(ctx.durations.evaluation_item_ms, itemStartedAt, signal);
  }

  const metrics: Record<string, { scores: Record<string, ScoreSummary> }> = {};
  for (const [name, c] of collected) {
    const scores: Record<string, ScoreSummary> = {};
    for (const [score, values] of Object.entries(c)) scores[score] = mean(values);
    metrics[name] = { scores };
  }
  return { metrics };
}

async function scoreItem(
  ctx: EmulatorContext,
  metric: MetricConfig,
  scope: Scope,
  predictedCalls: unknown,
  signal: AbortSignal,
): Promise<Record<string, number | null>> {
  const output = (scope.sample as { output_text: string }).output_text;
  switch (metric.type) {
    case 'f1':
      return { f1: tokenF1(output, String(render(metric.params.ground_truth, scope) ?? '')) };
    case 'string-check': {
      const [left, op, right] = metric.params.check;
      return { 'string-check': stringCheck(String(render(left, scope) ?? ''), op, String(render(right, scope) ?? '')) };
    }
    case 'tool-calling': {
      const truth = render(metric.params.tool_calls_ground_truth, scope);
      return toolCallingScores(predictedCalls ?? [], truth ?? []);
    }
    case 'llm-judge': {
      const messages = render(metric.params.template.messages, scope);
      const verdict = await callModel(ctx, metric.params.model, { messages, temperature: 0, max_tokens: 512 }, signal);
      const text = lookup('sample.choices[0].message.content', { sample: verdict });
      const scores: Record<string, number | null> = {};
      for (const [score, spec] of Object.entries(metric.params.scores)) {
        const match = typeof text === 'string' ? new RegExp(spec.parser.pattern).exec(text) : null;
        const value = match ? Number(match[1] ?? match[0]) : Number.NaN;
        scores[score] = Number.isFinite(value) ? (spec.type === 'int' ? Math.trunc(value) : value) : null;
      }
      return scores;
    }
  }
}

function withoutNulls(request: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== null && v !== undefined));
}
