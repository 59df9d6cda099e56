// A validating walker over JSON as UTF-8 bytes, for the record workers' fast path
// (record-bytes.ts): it finds where values start and end without building them, and can tell
// whether a value's bytes are already what JSON.stringify(JSON.parse(bytes)) would write
// ("canonical": no whitespace, only the escapes JSON.stringify writes, numbers as
// Number#toString writes them, distinct keys that are neither `__proto__` nor array indexes,
// which JSON.parse would move to the front). Anything it is not sure of throws UNSURE, and the
// caller takes the JSON.parse path instead, so it never has to be complete, only right.

/** Thrown for anything the byte path leaves to JSON.parse (a singleton: no stack is taken). */
export const UNSURE: Error = Object.freeze(Object.create(null));

export function unsure(): never {
  throw UNSURE;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** Nesting the walker follows; deeper values are left to JSON.parse. */
const MAX_DEPTH = 64;
/** Keys per object the duplicate check compares; objects with more are left to JSON.parse. */
const MAX_KEYS = 64;

const isDigit = (c: number) => c >= ZERO && c <= NINE;
const hexValue = (c: number) =>
  c >= ZERO && c <= NINE ? c - ZERO : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');
const PROTO = Buffer.from('"__proto__"');
const TOOLS_MEMBER = Buffer.from('"tools":');

/** Whether a[from..from+length] equals b[at..at+length] (a loop: cheaper than a native call for short spans). */
function sameBytes(a: Uint8Array, from: number, b: Uint8Array, at: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[from + k] !== b[at + k]) return false;
  return true;
}

export class JsonBytes {
  b: Buffer = Buffer.alloc(0);
  pos = 0;
  /** Key spans (start, end pairs) of the objects being walked, for the duplicate check. */
  private keys = new Int32Array(1024);
  private top = 0;
  /** The last key read by `nextKey`: its span, quotes included. */
  keyStart = 0;
  keyEnd = 0;
  /** Whether the last string `string` skipped held a backslash. */
  escaped = false;

  reset(b: Buffer, pos: number) {
    this.b = b;
    this.pos = pos;
    this.top = 0;
  }

  peek(): number {
    return this.b[this.pos] ?? -1;
  }

  expect(c: number) {
    if (this.b[this.pos] !== c) unsure();
    this.pos++;
  }

  /** Skips the string at `pos`; canonical: only the escapes JSON.stringify writes. */
  string(canonical: boolean) {
    const b = this.b;
    let i = this.pos;
    if (b[i] !== QUOTE) unsure();
    i++;
    let escaped = false;
    for (;;) {
      const c = b[i];
      if (c === undefined || c < 0x20) unsure();
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[i + 1];
        if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
        } else if (e === 0x2f && !canonical) {
          i += 2;
        } else if (e === 0x75) {
          let v = 0;
          for (let k = 2; k < 6; k++) {
            const h = hexValue(b[i + k] ?? -1);
            if (h < 0) unsure();
            // JSON.stringify writes lowercase hex
            if (canonical && (b[i + k] as number) >= 0x41 && (b[i + k] as number) <= 0x46) unsure();
            v = v * 16 + h;
          }
          // JSON.stringify escapes control characters without a short form, nothing else
          // (lone surrogates too, but pairs become characters: both left to JSON.parse)
          if (canonical && (v >= 0x20 || v === 8 || v === 9 || v === 10 || v === 12 || v === 13)) unsure();
          i += 6;
        } else unsure();
      } else i++;
    }
    this.escaped = escaped;
    this.pos = i + 1;
  }

  /** Skips the number at `pos`; canonical: as Number#toString writes it. */
  number(canonical: boolean) {
    const b = this.b;
    const start = this.pos;
    let i = start;
    if (b[i] === MINUS) i++;
    if (b[i] === ZERO) i++;
    else if (isDigit(b[i] ?? -1)) while (isDigit(b[i] ?? -1)) i++;
    else unsure();
    let plain = true;
    if (b[i] === 0x2e) {
      plain = false;
      i++;
      if (!isDigit(b[i] ?? -1)) unsure();
      while (isDigit(b[i] ?? -1)) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      plain = false;
      i++;
      if (b[i] === 0x2b || b[i] === MINUS) i++;
      if (!isDigit(b[i] ?? -1)) unsure();
      while (isDigit(b[i] ?? -1)) i++;
    }
    this.pos = i;
    if (!canonical) return;
    // short integers (not -0) are written back as they are; anything else is checked
    const length = i - start;
    if (plain && length <= 15 && !(length === 2 && b[start] === MINUS && b[start + 1] === ZERO)) return;
    const text = b.toString('latin1', start, i);
    if (String(Number(text)) !== text) unsure();
  }

  private literal(word: Buffer) {
    const b = this.b;
    for (let k = 0; k < word.length; k++) if (b[this.pos + k] !== word[k]) unsure();
    this.pos += word.length;
  }

  /** Skips any value at `pos` (see the file's comment for canonical). */
  value(canonical: boolean, depth = 0) {
    const c = this.b[this.pos];
    if (c === QUOTE) this.string(canonical);
    else if (c === OPEN_BRACE) {
      if (depth >= MAX_DEPTH) unsure();
      const base = this.openObject();
      for (let first = true; this.nextKey(base, first, canonical); first = false) this.value(canonical, depth + 1);
    } else if (c === OPEN_BRACKET) {
      if (depth >= MAX_DEPTH) unsure();
      for (let first = true; this.nextItem(first); first = false) this.value(canonical, depth + 1);
    } else if (c === 0x74) this.literal(TRUE);
    else if (c === 0x66) this.literal(FALSE);
    else if (c === 0x6e) this.literal(NULL);
    else if (c === MINUS || isDigit(c ?? -1)) this.number(canonical);
    else unsure();
  }

  /**
   * Moves past the object or array at `pos` by matching brackets outside strings: no check
   * of what is inside, for a span that is read (and so checked) afterwards, by the byte path
   * or by JSON.parse. `known` are whole JSON values seen before (a workload's tools): a
   * `"tools":` member whose value has the same bytes as one of them is jumped over at once.
   */
  skipContainer(known: readonly Buffer[] = []) {
    const b = this.b;
    const n = b.length;
    let i = this.pos;
    let depth = 0;
    do {
      if (i >= n) unsure();
      const c = b[i] as number;
      if (c === QUOTE) {
        if (known.length > 0 && b[i + 1] === 0x74 && sameBytes(TOOLS_MEMBER, 0, b, i, TOOLS_MEMBER.length)) {
          const at = i + TOOLS_MEMBER.length;
          const value = known.find((v) => at + v.length <= n && b.compare(v, 0, v.length, at, at + v.length) === 0);
          if (value) {
            i = at + value.length;
            continue;
          }
        }
        i++;
        for (;;) {
          const s = b[i];
          if (s === QUOTE) break;
          if (s === undefined) unsure();
          i += s === BACKSLASH ? 2 : 1;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
      i++;
    } while (depth > 0);
    this.pos = i;
  }

  /** Enters the object at `pos`; returns the base `nextKey` needs. */
  openObject(): number {
    this.expect(OPEN_BRACE);
    return this.top;
  }

  /**
   * Moves to the next member's value and returns true (its key in keyStart..keyEnd), or past
   * the closing brace and returns false. With `distinct` (the default in canonical objects),
   * duplicate keys are refused (JSON.parse keeps the last value at the first one's place); in
   * canonical objects `__proto__` and array-index keys too.
   */
  nextKey(base: number, first: boolean, canonical: boolean, distinct = canonical): boolean {
    const b = this.b;
    if (b[this.pos] === CLOSE_BRACE) {
      this.pos++;
      this.top = base;
      return false;
    }
    if (!first) this.expect(COMMA);
    const start = this.pos;
    this.string(canonical);
    const end = this.pos;
    this.expect(COLON);
    const length = end - start;
    if (distinct) {
      const keys = this.keys;
      const top = this.top;
      if (top - base >= MAX_KEYS * 2 || top + 2 > keys.length) unsure();
      for (let k = base; k < top; k += 2) {
        const s = keys[k] as number;
        if ((keys[k + 1] as number) - s === length && sameBytes(b, s, b, start, length)) unsure();
      }
      keys[top] = start;
      keys[top + 1] = end;
      this.top = top + 2;
    }
    if (canonical) {
      if (isDigit(b[start + 1] ?? -1)) unsure();
      if (length === PROTO.length && sameBytes(PROTO, 0, b, start, length)) unsure();
    }
    this.keyStart = start;
    this.keyEnd = end;
    return true;
  }

  /** Moves to the array's first / next item and returns true, or past the bracket and returns false. */
  nextItem(first: boolean): boolean {
    if (first) this.expect(OPEN_BRACKET);
    if (this.b[this.pos] === CLOSE_BRACKET) {
      this.pos++;
      return false;
    }
    if (!first) this.expect(COMMA);
    return true;
  }

  /** Whether the last key is `name` (given with its quotes, as bytes). */
  keyIs(name: Buffer): boolean {
    const length = this.keyEnd - this.keyStart;
    return length === name.length && sameBytes(name, 0, this.b, this.keyStart, length);
  }

  /** Whether the bytes at start..end are `word`. */
  bytesAre(start: number, end: number, word: Buffer): boolean {
    return end - start === word.length && sameBytes(word, 0, this.b, start, word.length);
  }

  text(start: number, end: number): string {
    return this.b.toString('utf8', start, end);
  }
}

/** A key as the bytes `keyIs` compares: with its quotes. */
export const quoted = (name: string): Buffer => Buffer.from(JSON.stringify(name));
