// The subset of the Evaluator's Jinja templates Flywheel uses: `{{ path }}` and
// `{{ path | tojson }}` over `item` and `sample`, with `.key`, `[n]` and `["key"]` steps.
// A string that is exactly one `{{ path | tojson }}` stands for the JSON value itself;
// otherwise expressions are interpolated as text (objects and arrays as JSON).

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const EXPRESSION = /\{\{\s*([^}|]+?)\s*(?:\|\s*(\w+)\s*)?\}\}/g;
const WHOLE = /^\s*\{\{\s*([^}|]+?)\s*\|\s*tojson\s*\}\}\s*$/;
const FILTERS = new Set(['tojson', 'string', 'trim', 'lower', 'upper']);

export type Scope = Record<string, unknown>;

/** Renders every string inside `template` (objects and arrays are walked). */
export function render(template: unknown, scope: Scope): unknown {
  if (typeof template === 'string') return renderString(template, scope);
  if (Array.isArray(template)) return template.map((t) => render(t, scope));
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = render(v, scope);
    return out;
  }
  return template;
}

function renderString(text: string, scope: Scope): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return lookup(whole[1] ?? '', scope) ?? null;
  return text.replace(EXPRESSION, (_m, path: string, filter?: string) => {
    const value = lookup(path, scope);
    return applyFilter(value, filter);
  });
}

function applyFilter(value: unknown, filter: string | undefined): string {
  if (filter && !FILTERS.has(filter)) throw new TemplateError(`unsupported template filter "${filter}"`);
  if (filter === 'tojson') return JSON.stringify(value ?? null);
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (filter === 'trim') return text.trim();
  if (filter === 'lower') return text.toLowerCase();
  if (filter === 'upper') return text.toUpperCase();
  return text;
}

/** Follows `item.request.messages[0]["content"]`; a missing step yields undefined. */
export function lookup(path: string, scope: Scope): unknown {
  const steps = parsePath(path.trim());
  let at: unknown = scope;
  for (const step of steps) {
    if (at === null || at === undefined) return undefined;
    if (typeof step === 'number') at = Array.isArray(at) ? at[step] : undefined;
    else at = typeof at === 'object' ? (at as Record<string, unknown>)[step] : undefined;
  }
  return at;
}

export function parsePath(path: string): (string | number)[] {
  const steps: (string | number)[] = [];
  const re = /([A-Za-z_][\w]*)|\[\s*(\d+)\s*\]|\[\s*["']([^"']+)["']\s*\]|(\.)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: a sticky regex walks the path
  while ((match = re.exec(path)) !== null) {
    consumed = re.lastIndex;
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else if (match[3] !== undefined) steps.push(match[3]);
  }
  if (consumed !== path.length || steps.length === 0) throw new TemplateError(`cannot read template path "${path}"`);
  const root = steps[0];
  if (root !== 'item' && root !== 'sample') {
    throw new TemplateError(`template path "${path}" must start with item or sample`);
  }
  return steps;
}

/** Every path in a template, checked up front so a bad template is a 422, not a failed job. */
export function checkTemplate(template: unknown): void {
  if (typeof template === 'string') {
    for (const m of template.matchAll(EXPRESSION)) {
      parsePath((m[1] ?? '').trim());
      applyFilter('', m[2]);
    }
  } else if (Array.isArray(template)) template.forEach(checkTemplate);
  else if (template && typeof template === 'object') Object.values(template).forEach(checkTemplate);
}
