import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';

// What `logs load` reads: a file, every file of a directory, or standard input ("-"); each one
// plain or gzip-compressed (recognised by its magic bytes, not its name), UTF-8 with or without
// a byte-order mark, or UTF-16 (BOM or not), with LF, CRLF or CR-only line endings. Turns it into
// numbered lines of text, one at a time, so memory stays flat whatever the input size.

export interface LogSource {
  /** How messages name it: the path, or "stdin". */
  name: string;
  open: () => NodeJS.ReadableStream;
}

/** A whole input that cannot be read as log lines (missing, a zip archive, UTF-32, …). */
export class LogInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogInputError';
  }
}

/** Longest line kept; a longer one is refused as one rejected line without being held in memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export type SourceLine = { line: number; text: string } | { line: number; problem: string };

const HIDDEN = /^\./;

/** The sources an argument names. A directory yields its files (not sub-directories), sorted by name. */
export async function resolveLogSources(
  arg: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<LogSource[]> {
  if (arg === '-') return [{ name: 'stdin', open: () => stdin }];
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(arg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LogInputError(
      code === 'ENOENT'
        ? `cannot read ${arg}: no such file or directory`
        : code === 'EACCES'
          ? `cannot read ${arg}: permission denied`
          : `cannot read ${arg}: ${(err as Error).message}`,
    );
  }
  // a pipe or device (`<(zcat logs.gz)`, /dev/stdin) streams like a file
  if (info.isFile() || info.isFIFO() || info.isCharacterDevice()) {
    return [{ name: arg, open: () => createReadStream(arg, { highWaterMark: 1 << 20 }) }];
  }
  if (!info.isDirectory()) throw new LogInputError(`cannot read ${arg}: not a file, pipe or directory`);
  const entries = (await readdir(arg, { withFileTypes: true }))
    .filter((e) => e.isFile() && !HIDDEN.test(e.name))
    .map((e) => e.name)
    .sort();
  if (entries.length === 0) throw new LogInputError(`${arg} is a directory with no files in it`);
  return entries.map((name) => {
    const path = join(arg, name);
    return { name: path, open: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
  });
}

const startsWith = (b: Buffer, bytes: number[]) => bytes.every((v, i) => b[i] === v);

/** Archive and compression formats that are not gzip, named so the message can say what to do. */
const OTHER_FORMATS: [number[], string][] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive; unzip it first'],
  [[0x42, 0x5a, 0x68], 'bzip2-compressed; decompress it first (bunzip2), or recompress it with gzip'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed; decompress it first (unxz), or recompress it with gzip'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed; decompress it first (unzstd), or recompress it with gzip'],
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32 text; convert it to UTF-8 (iconv -f UTF-32 -t UTF-8)'],
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32 text; convert it to UTF-8 (iconv -f UTF-32 -t UTF-8)'],
];

/** Reads until at least `n` bytes (or the end) are buffered, without losing what was read. */
async function peek(iterator: AsyncIterator<Buffer>, n: number): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const next = await iterator.next();
    if (next.done) return { head: Buffer.concat(parts), done: true };
    parts.push(next.value);
    size += next.value.length;
  }
  return { head: Buffer.concat(parts), done: false };
}

async function* replay(head: Buffer, done: boolean, iterator: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  if (done) return;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield next.value;
  }
}

async function* bytesOf(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

async function* gunzip(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const z = createGunzip();
  const feed = (async () => {
    try {
      for await (const chunk of input) if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
      z.end();
    } catch (err) {
      z.destroy(err as Error);
    }
  })();
  try {
    for await (const chunk of z) yield chunk as Buffer;
  } catch (err) {
    throw new LogInputError(`the gzip data is damaged or cut short (${(err as Error).message})`);
  } finally {
    await feed;
  }
}

async function* utf16ToUtf8(input: AsyncIterable<Buffer>, label: 'utf-16le' | 'utf-16be'): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
  try {
    for await (const chunk of input) yield Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8');
    yield Buffer.from(decoder.decode(), 'utf8');
  } catch (err) {
    if (err instanceof LogInputError) throw err;
    throw new LogInputError(`the ${label.toUpperCase()} text holds an invalid character sequence`);
  }
}

/** The input as UTF-8 bytes: gunzipped if gzip, transcoded if UTF-16, the UTF-8 BOM removed. */
async function* utf8Bytes(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  const raw = bytesOf(stream);
  let { head, done } = await peek(raw, 6);
  let body: AsyncIterable<Buffer> = replay(head, done, raw);
  if (startsWith(head, [0x1f, 0x8b])) {
    const inflated = gunzip(body)[Symbol.asyncIterator]();
    ({ head, done } = await peek(inflated, 6));
    body = replay(head, done, inflated);
    if (startsWith(head, [0x1f, 0x8b])) throw new LogInputError('is gzip-compressed twice; decompress it once first');
  }
  for (const [magic, what] of OTHER_FORMATS) {
    if (startsWith(head, magic)) throw new LogInputError(`is ${what}`);
  }
  if (startsWith(head, [0xff, 0xfe]) || (head.length >= 2 && head[0] !== 0 && head[1] === 0)) {
    yield* utf16ToUtf8(body, 'utf-16le');
  } else if (startsWith(head, [0xfe, 0xff]) || (head.length >= 2 && head[0] === 0 && head[1] !== 0)) {
    yield* utf16ToUtf8(body, 'utf-16be');
  } else if (startsWith(head, [0xef, 0xbb, 0xbf])) {
    let first = true;
    for await (const chunk of body) {
      yield first ? chunk.subarray(3) : chunk;
      first = false;
    }
  } else {
    yield* body;
  }
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Numbered lines of a log input. Lines end at LF or CRLF; a file whose first line ends with a
 * lone CR is read as CR-only (old Mac style) throughout, while a stray CR inside an LF file stays
 * JSON whitespace. A line that is not UTF-8, holds NUL bytes or is longer than `maxLineBytes`
 * comes back as a problem for that line only.
 */
export async function* readLogLines(
  stream: NodeJS.ReadableStream,
  maxLineBytes = MAX_LINE_BYTES,
  onBytes?: (n: number) => void,
): AsyncGenerator<SourceLine> {
  let terminator: 'lf' | 'cr' | undefined;
  let parts: Buffer[] = [];
  let size = 0;
  let oversize = 0; // bytes of a line past the limit (it is being skipped)
  let lineNo = 0;
  let carry: Buffer | undefined; // a CR that ended a chunk before the line-ending style was known

  const finish = (): SourceLine => {
    lineNo++;
    if (oversize > 0) {
      const total = oversize;
      oversize = 0;
      return { line: lineNo, problem: `is ${total} bytes long, longer than the limit of ${maxLineBytes} bytes` };
    }
    let bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    if (terminator !== 'cr' && bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    if (bytes.includes(0)) return { line: lineNo, problem: 'holds NUL bytes: binary data, not JSON text' };
    if (!isUtf8(bytes)) return { line: lineNo, problem: 'is not valid UTF-8 text (check the file encoding)' };
    return { line: lineNo, text: bytes.toString('utf8') };
  };
  const append = (piece: Buffer) => {
    if (piece.length === 0) return;
    if (oversize > 0 || size + piece.length > maxLineBytes) {
      oversize = (oversize || size) + piece.length;
      parts = [];
      size = 0;
    } else {
      parts.push(piece);
      size += piece.length;
    }
  };

  for await (const raw of utf8Bytes(stream)) {
    onBytes?.(raw.length);
    let chunk = carry ? Buffer.concat([carry, raw]) : raw;
    carry = undefined;
    if (terminator === undefined) {
      const lf = chunk.indexOf(LF);
      const cr = chunk.indexOf(CR);
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        if (cr === chunk.length - 1) {
          // whether LF follows is only known with the next chunk
          carry = chunk.subarray(cr);
          chunk = chunk.subarray(0, cr);
        } else terminator = chunk[cr + 1] === LF ? 'lf' : 'cr';
      } else if (lf >= 0) terminator = 'lf';
    }
    if (terminator === undefined) {
      append(chunk);
      continue;
    }
    const sep = terminator === 'cr' ? CR : LF;
    let start = 0;
    let end = chunk.indexOf(sep);
    while (end >= 0) {
      append(chunk.subarray(start, end));
      yield finish();
      start = end + 1;
      end = chunk.indexOf(sep, start);
    }
    append(chunk.subarray(start));
  }
  if (carry) {
    // the input ended with its first CR: that CR ended the last line
    terminator = 'cr';
  }
  if (size > 0 || oversize > 0) yield finish();
}
