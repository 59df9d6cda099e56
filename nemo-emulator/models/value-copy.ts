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
): Record<string, unknown> {
  const src = rawTokens(source);
  const tgt = rawTokens(target);
  const used = new Set<number>();
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(template)) out[name] = copyValue(value, src, tgt, used);
  return out;
}

function copyValue(value: unknown, src: Token[], tgt: Token[], used: Set<number>): unknown {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    const transferred = transfer(text, src, tgt, used);
    if (transferred === undefined) return value;
    if (typeof value === 'number') {
      const n = Number(transferred.replace(',', '.'));
      return Number.isFinite(n) ? n : value;
    }
    return transferred;
  }
  if (Array.isArray(value)) return value.map((v) => copyValue(v, src, tgt, used));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyValue(v, src, tgt, used);
    return out;
  }
  return value;
}

function transfer(value: string, src: Token[], tgt: Token[], used: Set<number>): string | undefined {
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

  if (left !== undefined) {
    for (let j = 1; j < tgt.length; j++) {
      if (tgt[j - 1]?.lower === left && !used.has(j)) {
        const got = pick(j);
        if (got) return got;
      }
    }
  }
  if (right !== undefined) {
    for (let j = 0; j + n < tgt.length; j++) {
      if (tgt[j + n]?.lower === right && !used.has(j)) {
        const got = pick(j);
        if (got) return got;
      }
    }
  }
  // No shared context: fall back to the first unused token of the same distinctive shape.
  if (shape !== 'word') {
    for (let j = shape === 'capitalized' ? 1 : 0; j < tgt.length; j++) {
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
    if (shapeOf(first.text) !== 'capitalized') return undefined;
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
