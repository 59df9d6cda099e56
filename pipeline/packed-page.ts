import type { DatasetAssembler } from './dataset-assembler';
import type { RawPage } from './raw-page';
import type { ByteOut, FastRecord, RecordBytes } from './record-bytes';
import {
  mayBeKept,
  type ProcessedRecord,
  type ProcessOptions,
  processRecord,
  type RecordCutoffs,
  trainLine,
} from './record-processing';
import type { RejectionReason } from './validation';

// What a record worker found for one page, packed to cross the thread boundary cheaply: the
// training lines as one UTF-8 buffer and the numbers as typed arrays, all transferred rather
// than copied, so the main thread neither copies nor re-encodes the lines; it only admits the
// records in order (dedup, indexes, pools) and writes the accepted ones' bytes as slices.

export interface PackedPage {
  count: number;
  /** The valid records' training lines, each with its newline, one after another. */
  lines: Uint8Array;
  /** Where each record's line ends in `lines` (a rejected record's: where the one before ended). */
  lineEnds: Uint32Array;
  /** Per record: its dedup key, null when it has none or was rejected. */
  keys: (string | null)[];
  /** Per record: its seeded priority, NaN when it has no key or was rejected. */
  priorities: Float64Array;
  /** Per record: its class, null when rejected. */
  classes: (string | null)[];
  /** The rejected records, by position in the page. */
  rejections: { at: number; reason: RejectionReason; detail: string; documentId?: string }[];
  /** Positions (ascending) and JSON of the records that may still enter the ICL pool or eval. */
  keptAt: number[];
  kept: string[];
}

/** The buffers `postMessage` can move instead of copying. */
export const transferablesOf = (page: PackedPage): ArrayBuffer[] => [
  page.lines.buffer as ArrayBuffer,
  page.lineEnds.buffer as ArrayBuffer,
  page.priorities.buffer as ArrayBuffer,
];

/** Processes a page's records (in a record worker) into a `PackedPage`. */
export function packPage(
  hits: readonly { _id?: string | null; _source?: unknown }[],
  options: ProcessOptions,
  cutoffs: RecordCutoffs,
  /** Bytes to reserve for the lines at first (the page's own size is plenty). */
  capacity = 1 << 20,
): PackedPage {
  const packer = new Packer(hits.length, capacity);
  for (let i = 0; i < hits.length; i++) {
    const hit = hits[i] as { _id?: string | null; _source?: unknown };
    packer.add(i, processRecord(hit._source, options, hit._id ?? undefined), options, cutoffs);
  }
  return packer.page();
}

/**
 * The same for a page read as bytes (raw-page.ts): each record goes through the byte path
 * (record-bytes.ts) and, where that is not sure or the record may be kept for ICL or eval,
 * through JSON.parse of its bytes and `processRecord`, as `packPage` would.
 */
export function packRawPage(
  body: Buffer,
  raw: RawPage,
  take: number,
  options: ProcessOptions,
  cutoffs: RecordCutoffs,
  fast: RecordBytes,
  stats?: { fast: number; parsed: number },
): PackedPage {
  const count = Math.min(raw.count, take);
  const packer = new Packer(count, body.length);
  for (let i = 0; i < count; i++) {
    const start = raw.sourceStart[i] as number;
    const end = raw.sourceEnd[i] as number;
    if (start >= 0) {
      const record = fast.process(body, start, end);
      if (record && !mayBeKept(record.priority, record.cls, cutoffs)) {
        packer.addFast(i, record, fast.line);
        if (stats) stats.fast++;
        continue;
      }
    }
    if (stats) stats.parsed++;
    const source = start >= 0 ? JSON.parse(body.toString('utf8', start, end)) : undefined;
    const idStart = raw.idStart[i] as number;
    const id = idStart >= 0 ? (JSON.parse(body.toString('utf8', idStart, raw.idEnd[i])) as string) : undefined;
    packer.add(i, processRecord(source, options, id || undefined), options, cutoffs);
  }
  // the records past the limit are not read, but a page that is not JSON fails as JSON.parse of it would
  for (let i = count; i < raw.count; i++) {
    const start = raw.sourceStart[i] as number;
    if (start >= 0) JSON.parse(body.toString('utf8', start, raw.sourceEnd[i]));
  }
  return packer.page();
}

/** A PackedPage being filled record by record. */
class Packer {
  private readonly keys: (string | null)[];
  private readonly classes: (string | null)[];
  private readonly priorities: Float64Array;
  private readonly byteEnds: Uint32Array;
  private readonly rejections: PackedPage['rejections'] = [];
  private readonly keptAt: number[] = [];
  private readonly kept: string[] = [];
  private readonly out: LineBuffer;

  constructor(
    private readonly count: number,
    capacity: number,
  ) {
    this.keys = new Array(count).fill(null);
    this.classes = new Array(count).fill(null);
    this.priorities = new Float64Array(count).fill(Number.NaN);
    this.byteEnds = new Uint32Array(count);
    this.out = new LineBuffer(capacity);
  }

  add(i: number, processed: ProcessedRecord, options: ProcessOptions, cutoffs: RecordCutoffs) {
    if (!processed.ok) {
      const { reason, detail, documentId } = processed;
      this.rejections.push({ at: i, reason, detail, ...(documentId ? { documentId } : {}) });
    } else {
      this.out.push(trainLine(processed.record, options.workloadType));
      if (processed.key !== undefined) {
        this.keys[i] = processed.key;
        this.priorities[i] = processed.priority as number;
      }
      this.classes[i] = processed.cls;
      if (mayBeKept(processed.priority, processed.cls, cutoffs)) {
        this.keptAt.push(i);
        this.kept.push(JSON.stringify(processed.record));
      }
    }
    this.byteEnds[i] = this.out.length;
  }

  /** A record the byte path took (never one that may be kept), its line in `line`. */
  addFast(i: number, record: FastRecord, line: ByteOut) {
    this.out.pushBytes(line.buffer, line.length);
    if (record.key !== undefined) {
      this.keys[i] = record.key;
      this.priorities[i] = record.priority as number;
    }
    this.classes[i] = record.cls;
    this.byteEnds[i] = this.out.length;
  }

  page(): PackedPage {
    const { count, keys, priorities, classes, rejections, keptAt, kept } = this;
    return {
      count,
      lines: this.out.bytes(),
      lineEnds: this.byteEnds,
      keys,
      priorities,
      classes,
      rejections,
      keptAt,
      kept,
    };
  }
}

const NEWLINE = 10;

/** Lines encoded as UTF-8 straight into one growing buffer, each followed by a newline. */
class LineBuffer {
  // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, so it can be transferred
  private buffer: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafeSlow(Math.max(capacity, 1024));
  }

  push(line: string) {
    // a UTF-16 code unit takes at most 3 bytes in UTF-8
    this.reserve(line.length * 3 + 1);
    this.length += this.buffer.write(line, this.length, 'utf8');
    this.buffer[this.length++] = NEWLINE;
  }

  /** A line given as UTF-8 bytes (the first `length` of `bytes`). */
  pushBytes(bytes: Buffer, length: number) {
    this.reserve(length + 1);
    bytes.copy(this.buffer, this.length, 0, length);
    this.length += length;
    this.buffer[this.length++] = NEWLINE;
  }

  private reserve(most: number) {
    if (this.length + most > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + most));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buffer.buffer, 0, this.length);
  }
}

/**
 * Applies a page's results to the assembler in record order and returns the accepted records'
 * training lines as slices of `page.lines` (runs of consecutive accepted records in one slice).
 */
export function applyPackedPage(page: PackedPage, assembler: DatasetAssembler): Buffer[] {
  const lines = Buffer.from(page.lines.buffer, page.lines.byteOffset, page.lines.byteLength);
  const out: Buffer[] = [];
  let runStart = 0;
  let previousEnd = 0;
  let rejection = 0;
  let keptIndex = 0;
  for (let i = 0; i < page.count; i++) {
    const end = page.lineEnds[i] as number;
    const rejected = page.rejections[rejection];
    if (rejected?.at === i) {
      rejection++;
      assembler.reject(rejected);
      continue;
    }
    const record = page.keptAt[keptIndex] === i ? page.kept[keptIndex++] : undefined;
    const priority = page.priorities[i] as number;
    const index = assembler.admit(
      page.keys[i] ?? undefined,
      Number.isNaN(priority) ? undefined : priority,
      page.classes[i] as string,
      record,
    );
    if (index === undefined) {
      // a duplicate: its line is left out, the run ends before it
      if (previousEnd > runStart) out.push(lines.subarray(runStart, previousEnd));
      runStart = end;
    }
    previousEnd = end;
  }
  if (previousEnd > runStart) out.push(lines.subarray(runStart, previousEnd));
  return out;
}
