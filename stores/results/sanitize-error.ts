// Error text that is stored and served (job, candidate, evaluation and customization `error`
// fields): NeMo error bodies may echo the request, so the prompt and completion content in
// them is removed, anything shaped like a credential is masked, and the text is cut short.

/** Longest stored error text, in characters (the cut is marked with "…"). */
export const MAX_ERROR_LENGTH = 300;
const REDACTED = '[redacted]';

// Keys whose values carry conversation content in OpenAI / NeMo payloads.
const CONTENT_KEYS = [
  'content',
  'prompt',
  'prompts',
  'messages',
  'input',
  'inputs',
  'text',
  'completion',
  'arguments',
  'tool_calls',
  'choices',
  'response',
  'request',
  'sample',
  'item',
  'api_key',
  'authorization',
];
const KEY_ALT = CONTENT_KEYS.join('|');

/** `"key": <value>` or `'key': <value>` where the value starts at `start`; returns the value's end. */
function valueEnd(text: string, start: number): number {
  const open = text[start];
  if (open === '"' || open === "'") {
    let i = start + 1;
    while (i < text.length && text[i] !== open) i += text[i] === '\\' ? 2 : 1;
    return Math.min(i + 1, text.length);
  }
  if (open === '[' || open === '{') {
    let depth = 0;
    let quote: string | undefined;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length; // cut off mid-value (already truncated upstream): drop the rest
  }
  const stop = text.slice(start).search(/[,}\]\n]/);
  return stop < 0 ? text.length : start + stop;
}

function stripContent(text: string): string {
  const keyRe = new RegExp(`(["']?)(${KEY_ALT})\\1\\s*[:=]\\s*`, 'gi');
  let out = '';
  let last = 0;
  for (let m = keyRe.exec(text); m; m = keyRe.exec(text)) {
    const start = m.index + m[0].length;
    if (start >= text.length) break;
    // an unquoted key (`messages.0.content: Field required`) is a field name, not content,
    // unless a quoted or structured value follows it
    if (!m[1] && !/["'[{]/.test(text[start] as string)) continue;
    const end = valueEnd(text, start);
    out += `${text.slice(last, start)}${REDACTED}`;
    last = end;
    keyRe.lastIndex = end;
  }
  return out + text.slice(last);
}

function maskCredentials(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`)
    .replace(/\b(nvapi|sk|hf|ghp|xox[a-z])[-_][A-Za-z0-9\-_]{8,}/g, REDACTED)
    .replace(/\b(api[-_]?key|token|secret|password)=([^\s&,;]+)/gi, `$1=${REDACTED}`)
    .replace(/(\/\/[^/\s:@]+):[^/\s@]+@/g, `$1:${REDACTED}@`);
}

/** The storable form of an error text; null stays null. Pure and idempotent. */
export function sanitizeError(text: string): string;
export function sanitizeError(text: string | null | undefined): string | null;
export function sanitizeError(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  // JSON quoted inside JSON (an error body echoing a request) is unescaped first, so its keys are seen
  const unescaped = text.replace(/\\+(["'])/g, '$1');
  const clean = maskCredentials(stripContent(unescaped)).replace(/\s+/g, ' ').trim();
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH - 1)}…` : clean;
}

/** `fields` with its `error` (if any) sanitized: for store writes. */
export function withSanitizedError<T extends { error?: string | null }>(fields: T): T {
  if (!('error' in fields) || fields.error === undefined) return fields;
  return { ...fields, error: sanitizeError(fields.error) };
}
