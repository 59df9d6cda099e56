import { unitHash } from '../runtime/rng';
import type { ExemplarCall } from './exemplars';
import { labelsIn, type PromptView, type ToolParameter, type ToolSpec } from './prompt';
import { overlap, terms } from './text';
import { rawTokens } from './value-copy';

// A base model with nothing to imitate: it picks the tool whose name and description share
// the most words with the request (only as often as its capability allows), guesses the
// arguments, and answers open questions blandly.

export type Roll = (...salt: (string | number)[]) => number;

export function rollFor(seed: number, modelId: string, view: PromptView): Roll {
  return (...salt) => unitHash(seed, modelId, view.contextText, ...salt);
}

export function zeroShotToolCall(view: PromptView, capability: number, roll: Roll): ExemplarCall | undefined {
  const tools = allowedTools(view);
  if (tools.length === 0) return undefined;
  const query = terms(view.userText);
  const scored = tools.map((tool, index) => ({
    tool,
    index,
    score: overlap(query, terms(`${tool.name} ${tool.description}`)),
  }));
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  const reads = roll('tool') < capability && (scored[0]?.score ?? 0) > 0;
  const chosen = reads ? scored[0]?.tool : tools[Math.floor(roll('guess') * tools.length)];
  if (!chosen) return undefined;
  return { name: chosen.name, arguments: guessArguments(chosen, view, capability, roll) };
}

function allowedTools(view: PromptView): ToolSpec[] {
  const choice = view.toolChoice;
  if (choice && typeof choice === 'object') return view.tools.filter((t) => t.name === choice.function.name);
  return view.tools;
}

function guessArguments(tool: ToolSpec, view: PromptView, capability: number, roll: Roll): Record<string, unknown> {
  const wanted =
    tool.required.length > 0 ? tool.parameters.filter((p) => tool.required.includes(p.name)) : tool.parameters;
  const args: Record<string, unknown> = {};
  for (const p of wanted) {
    const informed = roll('arg', tool.name, p.name) < capability * 0.5;
    args[p.name] = informed ? readFromRequest(p, view.userText) : placeholder(p);
  }
  return args;
}

/** A plausible reading of the request by the parameter's name and type, often wrong. */
function readFromRequest(p: ToolParameter, text: string): unknown {
  const tokens = rawTokens(text).map((t) => t.text);
  if (p.enum && p.enum.length > 0) {
    const hit = p.enum.find((v) => tokens.some((t) => t.toLowerCase() === String(v).toLowerCase()));
    return hit ?? p.enum[0];
  }
  if (p.type === 'number' || p.type === 'integer') {
    const n = tokens.find((t) => /^\d+([.]\d+)?$/.test(t));
    return n === undefined ? 0 : Number(n);
  }
  const name = p.name.toLowerCase();
  if (name.includes('id')) return tokens.find((t) => /\d/.test(t)) ?? placeholder(p);
  if (name.includes('date')) return tokens.find((t) => /^\d{4}-\d{2}-\d{2}$/.test(t)) ?? placeholder(p);
  const capitalised = tokens.slice(1).find((t) => /^\p{Lu}\p{Ll}/u.test(t));
  if (capitalised) return capitalised;
  return terms(text).slice(0, 3).join(' ');
}

function placeholder(p: ToolParameter): unknown {
  if (p.enum && p.enum.length > 0) return p.enum[0];
  if (p.type === 'number' || p.type === 'integer') return 0;
  if (p.type === 'boolean') return false;
  if (p.type === 'array') return [];
  if (p.type === 'object') return {};
  return 'unknown';
}

/** A label from those the prompt names, chosen by word overlap when the model manages to. */
export function zeroShotLabel(view: PromptView, capability: number, roll: Roll): string | undefined {
  const labels = [...new Set(labelsIn(view.system))];
  if (labels.length === 0) return undefined;
  const query = terms(view.userText);
  const scored = labels.map((label, index) => ({ label, index, score: overlap(query, terms(label)) }));
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  if (roll('label') < capability && (scored[0]?.score ?? 0) > 0) return scored[0]?.label;
  return labels[Math.floor(roll('label-guess') * labels.length)];
}

export function blandAnswer(view: PromptView): string {
  const topic = terms(view.userText).slice(0, 2).join(' ') || 'that';
  return `Thanks for asking about ${topic}. It depends on several factors, so I would need more details to give a precise answer.`;
}
