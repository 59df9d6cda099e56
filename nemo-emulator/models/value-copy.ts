// Argument filling by analogy, the way a model generalises from an example: a value the
// example copied from its request (after "order", before "please") is taken from the same
// place in the new request; a value with no source in the example is reused as a constant.

interface Token {
  text: string;
  lower: string;
}

type Shape = 'date' | 'time' | 'number' | 'code' | 'upper' | 'capitalized' | 'word';

export function rawTokens(text: string): Token[] {
  const found = text.match(/[\p{L}\p{N}][\p{L}\p{N}_\-.:/']*[\p{L}\p{N}]|[\p{L}\p{N}]/gu) ?? [];
  return found.map((t) => ({ text: t, lower: t.toLowerCase() }));
}

function shapeOf(text: string): Shape {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return 'date';
  if (/^\d{1,2}:\d{2}/.test(text)) return 'time';
  if (/^\d+([.,]\d+)?$/.test(text)) return 'number';
  if (/\d/.test(text) && /\p{L}/u.test(text)) return 'code';
  if (/^\p{Lu}{2,}$/u.test(text)) return 'upper';
  if (/^\p{Lu}/u.test(text)) return 'capitalized';
  return 'word';
}

/** Fills `template` (an example's arguments) from `target`, by analogy with `source`. */
export function copyArguments(
  template: Record<string, unknown>,
  source: string,
  target: string,
  /** The part of `target` to look in first when no context matches (the user's turn). */
  focus = '',
): Record<string, unknown> {
  const src = rawTokens(source);
  const tgt = rawTokens(target);
  const focusStart = Math.max(0, tgt.length - rawTokens(focus).length);
  const used = new Set<number>();
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(template)) out[name] = copyValue(value, src, tgt, used, focusStart);
  return out;
}

function copyValue(value: unknown, src: Token[], tgt: Token[], used: Set<number>, focusStart: number): unknown {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    const transferred = transfer(text, src, tgt, used, focusStart);
    if (transferred === undefined) return value;
    if (typeof value === 'number') {
      const n = Number(transferred.replace(',', '.'));
      return Number.isFinite(n) ? n : value;
    }
    return transferred;
  }
  if (Array.isArray(value)) return value.map((v) => copyValue(v, src, tgt, used, focusStart));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyValue(v, src, tgt, used, focusStart);
    return out;
  }
  return value;
}

function transfer(
  value: string,
  src: Token[],
  tgt: Token[],
  used: Set<number>,
  focusStart: number,
): string | undefined {
  const valueTokens = rawTokens(value);
  if (valueTokens.length === 0) return undefined;
  const at = findSpan(src, valueTokens);
  if (at < 0) return undefined; // not copied from the request: a constant
  const n = valueTokens.length;
  const shape = shapeOf(valueTokens[0]?.text ?? '');
  const left = src[at - 1]?.lower;
  const right = src[at + n]?.lower;

  const pick = (start: number): string | undefined => {
    const span = extend(tgt, start, n, shape, right, used);
    if (!span) return undefined;
    for (let i = span[0]; i < span[1]; i++) used.add(i);
    return tgt
      .slice(span[0], span[1])
      .map((t) => t.text)
      .join(' ');
  };

  // Prefer the place whose both neighbours match the example's; on a tie, the later one
  // (the user's own words come after the system text).
  let best: { start: number; score: number } | undefined;
  for (let j = 0; j < tgt.length; j++) {
    if (used.has(j)) continue;
    const span = extend(tgt, j, n, shape, right, used);
    if (!span) continue;
    const score =
      (left !== undefined && tgt[j - 1]?.lower === left ? 1 : 0) +
      (right !== undefined && tgt[span[1]]?.lower === right ? 1 : 0);
    if (score > 0 && (!best || score >= best.score)) best = { start: j, score };
  }
  if (best) return pick(best.start);
  // No shared context: fall back to the first unused token of the same distinctive shape,
  // in the user's turn first (not its first word, capitalised anyway).
  if (shape !== 'word') {
    const order = [...tgt.keys()].filter((j) => j > focusStart || (j === focusStart && shape !== 'capitalized'));
    order.push(...[...tgt.keys()].filter((j) => j < focusStart && j > 0));
    for (const j of order) {
      if (!used.has(j) && shapeOf(tgt[j]?.text ?? '') === shape) {
        const got = pick(j);
        if (got) return got;
      }
    }
  }
  return undefined;
}

function findSpan(tokens: Token[], needle: Token[]): number {
  outer: for (let i = 0; i + needle.length <= tokens.length; i++) {
    for (let k = 0; k < needle.length; k++) if (tokens[i + k]?.lower !== needle[k]?.lower) continue outer;
    return i;
  }
  return -1;
}

/** The target span starting at `start` that plays the role the value played in the example. */
function extend(
  tgt: Token[],
  start: number,
  n: number,
  shape: Shape,
  right: string | undefined,
  used: Set<number>,
): [number, number] | undefined {
  const first = tgt[start];
  if (!first || used.has(start)) return undefined;
  if (shape === 'capitalized') {
    // a name starts at its first capitalised word ("New York", not "York")
    if (shapeOf(first.text) !== 'capitalized' || shapeOf(tgt[start - 1]?.text ?? '') === 'capitalized')
      return undefined;
    let end = start + 1;
    while (end < tgt.length && end - start < Math.max(n, 3) && shapeOf(tgt[end]?.text ?? '') === 'capitalized') end++;
    return [start, end];
  }
  if (shapeOf(first.text) !== shape) return undefined;
  if (shape !== 'word') return [start, start + 1];
  let end = start;
  while (end < tgt.length && end - start < n && tgt[end]?.lower !== right && !used.has(end)) end++;
  return end > start ? [start, end] : undefined;
}
