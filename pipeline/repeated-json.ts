// JSON.stringify for values that are mostly equal to the one before (a workload's tool
// definitions ride along with every request): comparing two parsed values costs a fraction of
// serialising one, so the last text is reused while the value is the same JSON.

type Obj = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Obj => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * True when `a` and `b` are JSON data (what JSON.parse makes: plain objects, arrays,
 * primitives) with the same JSON text: the same keys in the same order and equal values.
 * Anything else (a Date, a class instance, NaN) counts as different, which is always safe.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  // one object twice may have changed since its text was taken: only primitives are equal as they are
  if (a === b) return typeof a !== 'object' || a === null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key !== other[i] || !sameJson(a[key], b[key])) return false;
  }
  return true;
}

export class RepeatedJson {
  private last: unknown;
  private text: string | undefined;

  /**
   * JSON.stringify(value), reusing the previous text when the value is the same JSON. The last
   * value is kept for the comparison, so it must not be changed afterwards (records never are).
   */
  stringify(value: unknown): string {
    if (this.text !== undefined && sameJson(value, this.last)) return this.text;
    const text = JSON.stringify(value);
    this.last = value;
    this.text = text;
    return text;
  }
}
