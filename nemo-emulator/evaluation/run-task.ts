import type { EmulatorContext } from '../context';
import type { PreparedTask } from '../lifecycle/evaluation-lifecycle';
import type { MetricConfig, ModelRef } from './config-schema';
import { extractLabel, macroF1, mean, type ScoreSummary, toolCallingScores } from './metrics';
import { callModel } from './targets';
import { lookup, render, type Scope } from './template';

// One evaluation task: per item, render the request, ask the target, score the answer with
// every metric; then aggregate to `{metrics: {<metric>: {scores: {<score>: {value, stats}}}}}`.

const PER_ITEM_MS = 150;
const DEFAULT_LABEL_PATTERN = '\\[\\[\\[(.*?)\\]\\]\\]';

export interface ItemHooks {
  beforeItem(): Promise<void>;
  afterItem(): void;
}

type Collected =
  | { type: 'values'; scores: Record<string, number[]> }
  | { type: 'f1'; pairs: { reference?: string; prediction?: string }[] };

export async function runTask(
  ctx: EmulatorContext,
  task: PreparedTask,
  target: ModelRef,
  signal: AbortSignal,
  hooks: ItemHooks,
) {
  const collected = new Map<string, Collected>();
  for (const [name, metric] of Object.entries(task.config.metrics)) {
    collected.set(name, metric.type === 'f1' ? { type: 'f1', pairs: [] } : { type: 'values', scores: {} });
  }

  for (const item of task.items) {
    await hooks.beforeItem();
    const request = withoutNulls(render(task.config.params.template, { item }) as Record<string, unknown>);
    const response = await callModel(ctx, target, request, signal);
    const message = lookup('sample.response.choices[0].message', { sample: { response } }) as
      | { content?: unknown; tool_calls?: unknown }
      | undefined;
    const sample = { response, output_text: typeof message?.content === 'string' ? message.content : '' };
    const scope: Scope = { item, sample };
    for (const [name, metric] of Object.entries(task.config.metrics)) {
      await scoreItem(ctx, metric, scope, message?.tool_calls, collected.get(name) as Collected, signal);
    }
    hooks.afterItem();
    await ctx.scheduler.sleep(PER_ITEM_MS, signal);
  }

  const metrics: Record<string, { scores: Record<string, ScoreSummary> }> = {};
  for (const [name, c] of collected) {
    if (c.type === 'f1') {
      metrics[name] = { scores: { f1: { value: macroF1(c.pairs), stats: { count: c.pairs.length } } } };
    } else {
      const scores: Record<string, ScoreSummary> = {};
      for (const [score, values] of Object.entries(c.scores)) scores[score] = mean(values);
      metrics[name] = { scores };
    }
  }
  return { metrics };
}

async function scoreItem(
  ctx: EmulatorContext,
  metric: MetricConfig,
  scope: Scope,
  predictedCalls: unknown,
  into: Collected,
  signal: AbortSignal,
): Promise<void> {
  if (metric.type === 'f1' && into.type === 'f1') {
    const pattern = new RegExp(metric.params.label_pattern ?? DEFAULT_LABEL_PATTERN);
    into.pairs.push({
      reference: extractLabel(render(metric.params.ground_truth, scope), pattern),
      prediction: extractLabel((scope.sample as { output_text: string }).output_text, pattern),
    });
    return;
  }
  if (into.type !== 'values') return;
  if (metric.type === 'tool-calling') {
    const truth = render(metric.params.tool_calls_ground_truth, scope);
    for (const [score, value] of Object.entries(toolCallingScores(predictedCalls ?? [], truth ?? []))) {
      push(into.scores, score, value);
    }
    return;
  }
  if (metric.type === 'llm-judge') {
    const messages = render(metric.params.template.messages, scope);
    const verdict = await callModel(ctx, metric.params.model, { messages, temperature: 0, max_tokens: 512 }, signal);
    const text = lookup('sample.choices[0].message.content', { sample: verdict });
    for (const [score, spec] of Object.entries(metric.params.scores)) {
      const match = typeof text === 'string' ? new RegExp(spec.parser.pattern).exec(text) : null;
      const value = match ? Number(match[1] ?? match[0]) : Number.NaN;
      if (Number.isFinite(value)) push(into.scores, score, spec.type === 'int' ? Math.trunc(value) : value);
      else into.scores[score] ??= [];
    }
  }
}

function push(scores: Record<string, number[]>, score: string, value: number): void {
  scores[score] ??= [];
  scores[score].push(value);
}

function withoutNulls(request: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== null && v !== undefined));
}
