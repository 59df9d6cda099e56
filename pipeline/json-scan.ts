// A single pass over a JSON text, before JSON.parse, for what JSON.parse accepts but the rest of
// the system cannot keep intact: nesting deep enough to overflow the stack of every recursive
// walker after it (serialisers, validators), and numbers a double cannot hold (integers past
// 2^53 lose digits, 1e400 becomes Infinity and then null, 1e-400 becomes 0). It does not check
// syntax; JSON.parse does that afterwards.

/** Objects and arrays nested more deeply than this are refused. Chat logs need a handful. */
export const MAX_JSON_DEPTH = 100;

export type ScanProblem =
  | { kind: 'depth'; limit: number; offset: number }
  | { kind: 'number'; text: string; why: string };

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACE = 125;
const CLOSE_BRACKET = 93;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

const isNumberChar = (c: number) =>
  (c >= ZERO && c <= NINE) || c === MINUS || c === 43 || c === 46 || c === 69 || c === 101;

function numberProblem(text: string): string | undefined {
  const integer = !/[.eE]/.test(text);
  const value = Number(text);
  if (!Number.isFinite(value)) return 'is too large for a double (it would become null)';
  if (integer) {
    if (!Number.isSafeInteger(value)) return 'is an integer beyond 2^53 and would lose digits (quote it as a string)';
    return undefined;
  }
  if (value === 0 && /[1-9]/.test(text.replace(/[eE].*$/, ''))) return 'is too small for a double (it would become 0)';
  return undefined;
}

export function scanJson(text: string, maxDepth = MAX_JSON_DEPTH): ScanProblem | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // skip the string: to the next quote that is not escaped
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return { kind: 'depth', limit: maxDepth, offset: i };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if ((c >= ZERO && c <= NINE) || c === MINUS) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      const token = text.slice(i, j);
      // short tokens are always exact: at most 15 significant digits and a small exponent
      if (token.length > 15 || /[eE]/.test(token)) {
        const why = numberProblem(token);
        if (why) return { kind: 'number', text: token, why };
      }
      i = j - 1;
    }
  }
  return undefined;
}
