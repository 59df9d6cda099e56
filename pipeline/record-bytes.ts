import { hash } from 'node:crypto';
import { JsonBytes, quoted, UNSURE, unsure } from './json-bytes';
import { MAX_TAG_LENGTH } from './log-record';
import { fastParseTools } from './log-record-fast';
import type { ProcessOptions } from './record-processing';
import { readTimestamp } from './timestamp';
import { classificationLabel, GENERIC_CLASS } from './workload-type';

// The record workers' fast path for the common record: it reads an exported record's UTF-8
// bytes once and, for a record validation accepts, gives what `processRecord` + `trainLine`
// give for JSON.parse of the same bytes (the dedup key and priority, the class, the training
// line byte for byte) without building the record. The training line is mostly the record's
// own bytes: messages are copied as they are (canonical JSON, see json-bytes.ts), with only
// what formatting changes rewritten (tool-call arguments given as text become objects, an
// assistant turn without content gets ""), and the tools' text is kept per distinct tools
// bytes (a workload sends the same tools with every request). Anything else (a record
// validation rejects, an unusual key order, escapes JSON.stringify would not write, user
// turns as content parts, records that may be kept for ICL or eval) is left to the JSON.parse
// path: `process` answers undefined. test/pipeline/record-bytes.test.ts holds both paths to
// the same output.

const K = {
  timestamp: quoted('timestamp'),
  workload_id: quoted('workload_id'),
  client_id: quoted('client_id'),
  request: quoted('request'),
  response: quoted('response'),
  model: quoted('model'),
  messages: quoted('messages'),
  tools: quoted('tools'),
  choices: quoted('choices'),
  message: quoted('message'),
  role: quoted('role'),
  content: quoted('content'),
  tool_calls: quoted('tool_calls'),
  tool_call_id: quoted('tool_call_id'),
  id: quoted('id'),
  type: quoted('type'),
  function: quoted('function'),
  name: quoted('name'),
  arguments: quoted('arguments'),
};

const ROLE = { system: 0, developer: 1, user: 2, assistant: 3, tool: 4 } as const;
const ROLES = [quoted('system'), quoted('developer'), quoted('user'), quoted('assistant'), quoted('tool')];
const FUNCTION = quoted('function');

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const NULL_START = 0x6e;
const COMMA = 0x2c;

const EMPTY_STRING = Buffer.from('""');
const CONTENT_EMPTY = Buffer.from(',"content":""');
const LINE_START = Buffer.from('{"messages":[');
const REPLY_START = Buffer.from('{"role":"assistant","content":');
const REPLY_CALLS = Buffer.from(',"tool_calls":');
const TOOLS_KEY = Buffer.from('],"tools":');

/** How a message's `content` was given. */
enum Content {
  Absent = 0,
  Null = 1,
  String = 2,
  Array = 3,
}

/** What the walk does with a message: copy it into the history, read the reply from it, only check it. */
enum Use {
  History = 0,
  Reply = 1,
  Check = 2,
}

/** A request's tools, by their bytes: whether the fast path takes them, and their text in a training line. */
interface ToolsEntry {
  bytes: Buffer;
  /** Undefined when validation might reject them or zod must decide (the record takes the JSON.parse path). */
  text: Buffer | undefined;
  count: number;
}

/** Distinct tools kept (most workloads have one set, a few a handful). */
const TOOLS_KEPT = 8;

/** A growing byte buffer, reused record after record. */
export class ByteOut {
  buffer = Buffer.allocUnsafe(1 << 16);
  length = 0;

  private room(n: number) {
    if (this.length + n <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  span(b: Buffer, start: number, end: number) {
    const n = end - start;
    this.room(n);
    if (n < 64) {
      const out = this.buffer;
      let at = this.length;
      for (let k = start; k < end; k++) out[at++] = b[k] as number;
    } else b.copy(this.buffer, this.length, start, end);
    this.length += n;
  }

  bytes(b: Buffer) {
    this.span(b, 0, b.length);
  }

  byte(c: number) {
    this.room(1);
    this.buffer[this.length++] = c;
  }

  text(s: string) {
    this.room(s.length * 3);
    this.length += this.buffer.write(s, this.length, 'utf8');
  }
}

/** Parts of a copied span rewritten: replace start..end with text (kept in order of position, never overlapping). */
class Rewrites {
  private starts: number[] = [];
  private ends: number[] = [];
  private texts: (Buffer | string)[] = [];
  private count = 0;

  clear() {
    this.count = 0;
  }

  add(start: number, end: number, text: Buffer | string) {
    let k = this.count++;
    // a rewrite found late (a message's content, once its role is known) goes to its place
    while (k > 0 && (this.starts[k - 1] as number) > start) {
      this.starts[k] = this.starts[k - 1] as number;
      this.ends[k] = this.ends[k - 1] as number;
      this.texts[k] = this.texts[k - 1] as Buffer | string;
      k--;
    }
    this.starts[k] = start;
    this.ends[k] = end;
    this.texts[k] = text;
  }

  /** Drops the rewrites inside start..end (they were applied to a rewrite of the whole span). */
  dropWithin(start: number, end: number) {
    let kept = 0;
    for (let k = 0; k < this.count; k++) {
      const s = this.starts[k] as number;
      if (s >= start && s < end) continue;
      this.starts[kept] = s;
      this.ends[kept] = this.ends[k] as number;
      this.texts[kept] = this.texts[k] as Buffer | string;
      kept++;
    }
    this.count = kept;
  }

  /** b[start..end] with the rewrites that fall inside it. */
  emit(out: ByteOut, b: Buffer, start: number, end: number) {
    let at = start;
    for (let k = 0; k < this.count; k++) {
      const s = this.starts[k] as number;
      if (s < start) continue;
      if (s >= end) break;
      out.span(b, at, s);
      const text = this.texts[k] as Buffer | string;
      if (typeof text === 'string') out.text(text);
      else out.bytes(text);
      at = this.ends[k] as number;
    }
    out.span(b, at, end);
  }
}

export interface FastRecord {
  /** Undefined for a record without user text (it is never a duplicate). */
  key?: string;
  priority?: number;
  cls: string;
}

const isPlainObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

export class RecordBytes {
  private readonly sc = new JsonBytes();
  private readonly toolsKept: ToolsEntry[] = [];
  private readonly rewrites = new Rewrites();
  private readonly replyRewrites = new Rewrites();
  /** seed, NUL, then the user turns as JSON.stringify writes the array: what is hashed. */
  private readonly hashInput = new ByteOut();
  private readonly hashPrefix: number;
  /** A message's members: key start, value end, position in the schema (-1: not the schema's). */
  private readonly members = new Int32Array(3 * 64);
  private readonly reordered = new ByteOut();
  /** The last record's training line (without its newline), valid after `process` answered. */
  readonly line = new ByteOut();

  // the record being walked
  private messagesStart = 0;
  private messagesEnd = 0;
  private turns = 0;
  private tools: ToolsEntry | null = null;
  private reply = {
    content: Content.Absent,
    contentStart: 0,
    contentEnd: 0,
    callsStart: 0,
    callsEnd: 0,
    calls: 0,
    names: [] as string[],
  };

  /** The bytes of the tools seen lately (for the page scanner to skip). */
  get knownTools(): Buffer[] {
    return this.toolsKept.map((entry) => entry.bytes);
  }

  constructor(private readonly options: ProcessOptions) {
    this.hashInput.text(options.seed);
    this.hashInput.byte(0);
    this.hashInput.byte(OPEN_BRACKET);
    this.hashPrefix = this.hashInput.length;
  }

  /**
   * The record whose JSON is b[start..end]: its keys and class, with its training line in
   * `line`; undefined when it must take the JSON.parse path.
   */
  process(b: Buffer, start: number, end: number): FastRecord | undefined {
    try {
      return this.record(b, start, end);
    } catch (err) {
      if (err === UNSURE) return undefined;
      throw err;
    }
  }

  private record(b: Buffer, start: number, end: number): FastRecord {
    const sc = this.sc;
    sc.reset(b, start);
    this.rewrites.clear();
    this.replyRewrites.clear();
    this.hashInput.length = this.hashPrefix;
    this.turns = 0;
    this.tools = null;
    this.reply.calls = 0;
    this.reply.content = Content.Absent;
    this.reply.names = [];
    this.messagesStart = -1;

    if (sc.peek() !== OPEN_BRACE) unsure();
    const base = sc.openObject();
    let seen = 0;
    for (let first = true; sc.nextKey(base, first, true); first = false) {
      const at = sc.pos;
      if (sc.keyIs(K.timestamp)) {
        sc.value(false);
        if (!readTimestamp(JSON.parse(sc.text(at, sc.pos))).ok) unsure();
        seen |= 1;
      } else if (sc.keyIs(K.workload_id) || sc.keyIs(K.client_id)) {
        this.tag();
        seen |= sc.keyIs(K.workload_id) ? 2 : 4;
      } else if (sc.keyIs(K.request)) {
        this.request();
        seen |= 8;
      } else if (sc.keyIs(K.response)) {
        this.response();
        seen |= 16;
      } else sc.value(false);
    }
    if (seen !== 31 || sc.pos !== end) unsure();
    return this.finish(b);
  }

  /** workload_id / client_id: a string of 1 to MAX_TAG_LENGTH characters. */
  private tag() {
    const sc = this.sc;
    const at = sc.pos;
    if (sc.peek() !== QUOTE) unsure();
    sc.string(false);
    const value: string = sc.escaped ? JSON.parse(sc.text(at, sc.pos)) : sc.text(at + 1, sc.pos - 1);
    if (value.length === 0 || value.length > MAX_TAG_LENGTH) unsure();
  }

  private request() {
    const sc = this.sc;
    if (sc.peek() !== OPEN_BRACE) unsure();
    const base = sc.openObject();
    for (let first = true; sc.nextKey(base, first, true); first = false) {
      if (sc.keyIs(K.model)) {
        if (sc.peek() !== QUOTE) unsure();
        sc.string(false);
      } else if (sc.keyIs(K.messages)) this.messages();
      else if (sc.keyIs(K.tools)) this.readTools();
      else sc.value(false);
    }
    if (this.messagesStart < 0) unsure();
  }

  private messages() {
    const sc = this.sc;
    this.messagesStart = sc.pos;
    let count = 0;
    for (let first = true; sc.nextItem(first); first = false) {
      this.message(Use.History);
      count++;
    }
    if (count === 0) unsure();
    this.messagesEnd = sc.pos;
  }

  /**
   * One message: checked as `MessageSchema` would (fastParseRecord's checks), and for the
   * history, its rewrites recorded and its user text added to the hash input; for the reply,
   * what the training row's answer takes from it.
   */
  private message(use: Use) {
    const sc = this.sc;
    const b = sc.b;
    const start = sc.pos;
    if (sc.peek() !== OPEN_BRACE) unsure();
    const base = sc.openObject();
    const rewrites = use === Use.Reply ? this.replyRewrites : this.rewrites;
    const canonical = use !== Use.Check;
    let role = -1;
    let content = Content.Absent;
    let contentStart = 0;
    let contentEnd = 0;
    // the schema's keys come first, in its order (then formatting keeps the record's own order)
    let shape = -1;
    let unknown = false;
    let ordered = true;
    const members = this.members;
    let memberCount = 0;
    for (let first = true; sc.nextKey(base, first, true); first = false) {
      const at = sc.pos;
      const keyStart = sc.keyStart;
      let position = -1;
      if (sc.keyIs(K.role)) {
        position = 0;
        sc.string(true);
        for (let r = 0; r < ROLES.length; r++) if (sc.bytesAre(at, sc.pos, ROLES[r] as Buffer)) role = r;
        if (role < 0) unsure();
      } else if (sc.keyIs(K.content)) {
        position = 1;
        const c = sc.peek();
        if (c === QUOTE) content = Content.String;
        else if (c === NULL_START) content = Content.Null;
        else if (c === OPEN_BRACKET) content = Content.Array;
        else unsure();
        sc.value(canonical);
        contentStart = at;
        contentEnd = sc.pos;
      } else if (sc.keyIs(K.tool_calls)) {
        position = 2;
        if (sc.peek() === NULL_START) sc.value(false);
        else {
          const calls = this.toolCalls(use, rewrites);
          if (use === Use.Reply) {
            this.reply.calls = calls;
            this.reply.callsStart = at;
            this.reply.callsEnd = sc.pos;
          }
        }
      } else if (sc.keyIs(K.tool_call_id)) {
        position = 3;
        if (sc.peek() !== QUOTE) unsure();
        sc.string(canonical);
      } else {
        unknown = true;
        sc.value(canonical);
      }
      if (position >= 0) {
        if (unknown || position < shape) ordered = false;
        shape = position;
      }
      if (memberCount + 3 > members.length) unsure();
      members[memberCount++] = keyStart;
      members[memberCount++] = sc.pos;
      members[memberCount++] = position;
    }
    if (role < 0) unsure();
    if (use === Use.History) {
      if (role === ROLE.user) {
        if (content === Content.Array) unsure();
        if (content === Content.String && contentEnd - contentStart > 2) {
          if (this.turns++ > 0) this.hashInput.byte(COMMA);
          this.hashInput.span(b, contentStart, contentEnd);
        }
      }
      const assistant = role === ROLE.assistant;
      if (assistant && content === Content.Null) rewrites.add(contentStart, contentEnd, EMPTY_STRING);
      if (!ordered) this.reorder(start, sc.pos, memberCount, assistant && content === Content.Absent);
      // a spread adds the missing key last
      else if (assistant && content === Content.Absent) rewrites.add(sc.pos - 1, sc.pos - 1, CONTENT_EMPTY);
    } else if (use === Use.Reply) {
      this.reply.content = content;
      this.reply.contentStart = contentStart;
      this.reply.contentEnd = contentEnd;
    }
    return start;
  }

  /**
   * A history message whose keys are not in the schema's order: validation puts the schema's
   * keys first (role, content, tool_calls, tool_call_id), then the others in their order.
   */
  private reorder(start: number, end: number, memberCount: number, addContent: boolean) {
    const b = this.sc.b;
    const members = this.members;
    const out = this.reordered;
    out.length = 0;
    out.byte(OPEN_BRACE);
    let first = true;
    const put = (k: number) => {
      if (!first) out.byte(COMMA);
      first = false;
      this.rewrites.emit(out, b, members[k] as number, members[k + 1] as number);
    };
    for (let position = 0; position < 4; position++) {
      for (let k = 0; k < memberCount; k += 3) if (members[k + 2] === position) put(k);
    }
    for (let k = 0; k < memberCount; k += 3) if ((members[k + 2] as number) < 0) put(k);
    if (addContent) out.bytes(CONTENT_EMPTY);
    out.byte(0x7d);
    this.rewrites.dropWithin(start, end);
    this.rewrites.add(start, end, Buffer.from(out.buffer.subarray(0, out.length)));
  }

  /** A tool_calls array; returns how many calls it holds. */
  private toolCalls(use: Use, rewrites: Rewrites): number {
    const sc = this.sc;
    if (sc.peek() !== OPEN_BRACKET) unsure();
    let count = 0;
    for (let first = true; sc.nextItem(first); first = false) {
      this.toolCall(use, rewrites);
      count++;
    }
    return count;
  }

  /** One tool call, its keys in the schema's order (id, type, function; then function's name, arguments). */
  private toolCall(use: Use, rewrites: Rewrites) {
    const sc = this.sc;
    if (sc.peek() !== OPEN_BRACE) unsure();
    const canonical = use !== Use.Check;
    const base = sc.openObject();
    let shape = -1;
    let unknown = false;
    let isFunction = false;
    let hasFunction = false;
    for (let first = true; sc.nextKey(base, first, true); first = false) {
      const at = sc.pos;
      let position = -1;
      if (sc.keyIs(K.id)) {
        position = 0;
        if (sc.peek() !== QUOTE) unsure();
        sc.string(canonical);
      } else if (sc.keyIs(K.type)) {
        position = 1;
        if (sc.peek() !== QUOTE) unsure();
        sc.string(canonical);
        isFunction = sc.bytesAre(at, sc.pos, FUNCTION);
      } else if (sc.keyIs(K.function)) {
        position = 2;
        this.callFunction(use, rewrites);
        hasFunction = true;
      } else {
        unknown = true;
        sc.value(canonical);
      }
      if (position >= 0) {
        if ((unknown || position < shape) && use !== Use.Check) unsure();
        shape = position;
      }
    }
    if (!hasFunction) unsure();
    // validation rejects a response's call that is not of type "function"
    if (use === Use.Reply && !isFunction) unsure();
  }

  private callFunction(use: Use, rewrites: Rewrites) {
    const sc = this.sc;
    if (sc.peek() !== OPEN_BRACE) unsure();
    const canonical = use !== Use.Check;
    const base = sc.openObject();
    let shape = -1;
    let unknown = false;
    let hasName = false;
    let hasArguments = false;
    for (let first = true; sc.nextKey(base, first, true); first = false) {
      const at = sc.pos;
      let position = -1;
      if (sc.keyIs(K.name)) {
        position = 0;
        if (sc.peek() !== QUOTE) unsure();
        sc.string(canonical);
        if (sc.pos - at <= 2) unsure();
        hasName = true;
        if (use === Use.Reply) {
          this.reply.names.push(sc.escaped ? JSON.parse(sc.text(at, sc.pos)) : sc.text(at + 1, sc.pos - 1));
        }
      } else if (sc.keyIs(K.arguments)) {
        position = 1;
        hasArguments = true;
        this.callArguments(use, rewrites);
      } else {
        unknown = true;
        sc.value(canonical);
      }
      if (position >= 0) {
        if ((unknown || position < shape) && use !== Use.Check) unsure();
        shape = position;
      }
    }
    if (!hasName || !hasArguments) unsure();
  }

  /**
   * A call's arguments: validation parses a response call's text arguments (when configured)
   * and rejects what is not an object; formatting turns text arguments that parse to an
   * object (or array) into that value, in the history and the answer.
   */
  private callArguments(use: Use, rewrites: Rewrites) {
    const sc = this.sc;
    const at = sc.pos;
    const isText = sc.peek() === QUOTE;
    sc.value(use !== Use.Check);
    if (use === Use.Check) return;
    if (!isText) {
      if (use === Use.Reply && sc.b[at] !== OPEN_BRACE) unsure();
      return;
    }
    const text: string = JSON.parse(sc.text(at, sc.pos));
    let parsed: unknown;
    let parses = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      parses = false;
    }
    if (use === Use.Reply && this.options.parseFunctionArguments && !(parses && isPlainObject(parsed))) unsure();
    if (parses && parsed && typeof parsed === 'object') rewrites.add(at, sc.pos, JSON.stringify(parsed));
  }

  private readTools() {
    const sc = this.sc;
    const b = sc.b;
    const at = sc.pos;
    const c = sc.peek();
    if (c === NULL_START) {
      sc.value(false);
      this.tools = null;
      return;
    }
    if (c !== OPEN_BRACKET) unsure();
    for (const entry of this.toolsKept) {
      const n = entry.bytes.length;
      if (at + n <= b.length && b.compare(entry.bytes, 0, n, at, at + n) === 0) {
        // equal bytes that hold a whole JSON value end where it ends
        sc.pos = at + n;
        this.tools = entry;
        return;
      }
    }
    sc.value(false);
    const entry = this.compileTools(Buffer.from(b.subarray(at, sc.pos)));
    if (this.toolsKept.length >= TOOLS_KEPT) this.toolsKept.shift();
    this.toolsKept.push(entry);
    this.tools = entry;
  }

  private compileTools(bytes: Buffer): ToolsEntry {
    const tools = fastParseTools(JSON.parse(bytes.toString('utf8')));
    if (!tools) return { bytes, text: undefined, count: 0 };
    for (const tool of tools as { function: { parameters?: { properties?: object } } }[]) {
      const count = Object.keys(tool.function.parameters?.properties ?? {}).length;
      if (count > this.options.maxToolProperties) return { bytes, text: undefined, count: 0 };
    }
    return { bytes, text: Buffer.from(JSON.stringify(tools)), count: tools.length };
  }

  private response() {
    const sc = this.sc;
    if (sc.peek() !== OPEN_BRACE) unsure();
    const base = sc.openObject();
    let choices = 0;
    for (let first = true; sc.nextKey(base, first, true); first = false) {
      if (sc.keyIs(K.choices)) {
        if (sc.peek() !== OPEN_BRACKET) unsure();
        for (let f = true; sc.nextItem(f); f = false) this.choice(choices++ === 0 ? Use.Reply : Use.Check);
        if (choices === 0) unsure();
      } else sc.value(false);
    }
    if (choices === 0) unsure();
  }

  private choice(use: Use) {
    const sc = this.sc;
    if (sc.peek() !== OPEN_BRACE) unsure();
    const base = sc.openObject();
    let message = false;
    for (let first = true; sc.nextKey(base, first, true); first = false) {
      if (sc.keyIs(K.message)) {
        this.message(use);
        message = true;
      } else sc.value(false);
    }
    if (!message) unsure();
  }

  /** Validation's verdict on the answer, then the keys, the class and the training line. */
  private finish(b: Buffer): FastRecord {
    const { workloadType } = this.options;
    const reply = this.reply;
    const tools = this.tools;
    if (tools && !tools.text) unsure();
    let cls = GENERIC_CLASS;
    let text = '';
    if (reply.content === Content.Array) unsure();
    if (reply.content === Content.String && workloadType !== 'tool_calling') {
      text = JSON.parse(b.toString('utf8', reply.contentStart, reply.contentEnd));
    }
    if (workloadType === 'tool_calling') {
      if (reply.calls === 0 || !tools || tools.count === 0) unsure();
      cls = [...new Set(reply.names)].sort().join('+');
    } else if (workloadType === 'classification') {
      if (classificationLabel(text.trim()) === undefined) unsure();
      cls = classificationLabel(text) ?? GENERIC_CLASS;
    } else if (!text.trim() && reply.calls === 0) unsure();

    const line = this.line;
    line.length = 0;
    line.bytes(LINE_START);
    this.rewrites.emit(line, b, this.messagesStart + 1, this.messagesEnd - 1);
    line.byte(COMMA);
    line.bytes(REPLY_START);
    if (workloadType === 'tool_calling' || reply.content !== Content.String) line.bytes(EMPTY_STRING);
    else line.span(b, reply.contentStart, reply.contentEnd);
    if (reply.calls > 0) {
      line.bytes(REPLY_CALLS);
      this.replyRewrites.emit(line, b, reply.callsStart, reply.callsEnd);
    }
    line.byte(0x7d);
    if (tools && tools.count > 0) {
      line.bytes(TOOLS_KEY);
      line.bytes(tools.text as Buffer);
      line.byte(0x7d);
    } else {
      line.byte(0x5d);
      line.byte(0x7d);
    }

    if (this.turns === 0) return { cls };
    const input = this.hashInput;
    input.byte(0x5d);
    const digest = hash('sha256', input.buffer.subarray(0, input.length), 'buffer');
    return { key: digest.toString('base64', 6, 22), priority: digest.readUIntBE(0, 6) / 2 ** 48, cls };
  }
}
