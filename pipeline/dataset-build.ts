import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { DataSplitConfig } from '../config/schema';
import type { ResolvedWorkloadType, WorkloadType } from '../contracts';
import { cursorOf, type PageCursor, parseSearchPage } from '../stores/search-page';
import { type AssembledSplit, DatasetAssembler, processOptionsOf, type RejectionSample } from './dataset-assembler';
import type { LogRecord } from './log-record';
import { applyPackedPage } from './packed-page';
import { RecordWorkers } from './record-workers';
import { SPLIT } from './split';
import { resolveWorkloadType } from './workload-type';

// Exported records → eval / train / val JSONL files, in two streaming passes: the first
// validates, de-duplicates and formats every record as a training row, spilling it to disk and
// keeping only numbers per record; once the split is planned, the second routes the spilled
// lines into the output files. Memory stays flat for any number of records. The only I/O in
// pipeline/: local temporary files, in a directory the caller owns and removes.

const YIELD_EVERY = 200;

/** Record workers a build uses unless told otherwise (see docs/benchmarks.md, dataset build). */
export const DEFAULT_DATASET_THREADS = 2;

/** Records (the newest) that `workload_type: auto` is detected from. */
export const DETECTION_SAMPLE = 1000;

/**
 * The export as raw response bodies (stores/log-export.ts `exportRawLogPages`, bound to its
 * options): each body goes to `handle`, which answers with the page's cursor.
 */
export type RawPageSource = (handle: (body: Buffer, take: number) => Promise<PageCursor>) => Promise<void>;

export interface BuildOptions {
  /** Pages of raw exported records, newest first (processed on this thread). */
  pages?: AsyncIterable<unknown[]>;
  /**
   * Or the same pages unparsed, parsed and processed by `threads` record workers while the
   * next pages are read; the datasets are the same byte for byte.
   */
  rawPages?: RawPageSource;
  /** Record workers for `rawPages` (default DEFAULT_DATASET_THREADS). */
  threads?: number;
  workloadId: string;
  clientId: string;
  workloadType: WorkloadType;
  split: DataSplitConfig;
  seed: string;
  workDir: string;
  iclPoolSize?: number;
  onProgress?: (progress: { read: number; accepted: number }) => void;
  /** The source document id of a raw record, for rejection samples. */
  documentIdOf?: (raw: unknown) => string | undefined;
}

export interface BuiltFiles {
  paths: { eval: string; train: string; val: string };
  workloadType: ResolvedWorkloadType;
  workloadTypeSource: 'config' | 'detected';
  assembled: AssembledSplit;
  /** The eval records as written (for the ICL set). */
  evalRecords: LogRecord[];
  rejectionSamples: RejectionSample[];
}

async function write(stream: WriteStream, text: string | Buffer): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/**
 * Calls `onLine` with every line of a file (as bytes, with its newline) and awaits `afterChunk`
 * after each chunk read: no string decoding, no promise per line.
 */
async function eachLine(path: string, onLine: (line: Buffer) => void, afterChunk: () => Promise<void>): Promise<void> {
  let carry: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (carry && newline >= 0) {
      onLine(Buffer.concat([carry, chunk.subarray(0, newline + 1)]));
      carry = undefined;
      from = newline + 1;
      newline = chunk.indexOf(NEWLINE, from);
    }
    while (newline >= 0) {
      onLine(chunk.subarray(from, newline + 1));
      from = newline + 1;
      newline = chunk.indexOf(NEWLINE, from);
    }
    if (from < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(from)]) : chunk.subarray(from);
    await afterChunk();
  }
  if (carry?.length) onLine(Buffer.concat([carry, Buffer.from('\n')]));
  await afterChunk();
}

const NEWLINE = 10;
const TAB = 9;

/** The configured type, or the one detected from the first pages (which are held back, then replayed). */
async function* withDetectedType(
  pages: AsyncIterable<unknown[]>,
  configured: WorkloadType,
  resolved: (type: ResolvedWorkloadType) => void,
): AsyncGenerator<unknown[]> {
  if (configured !== 'auto') {
    resolved(configured);
    yield* pages;
    return;
  }
  const held: unknown[][] = [];
  let count = 0;
  const iterator = pages[Symbol.asyncIterator]();
  while (count < DETECTION_SAMPLE) {
    const next = await iterator.next();
    if (next.done) break;
    held.push(next.value);
    count += next.value.length;
  }
  resolved(resolveWorkloadType('auto', held.flat().slice(0, DETECTION_SAMPLE)));
  yield* held;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield next.value;
  }
}

export async function buildDatasetFiles(options: BuildOptions): Promise<BuiltFiles> {
  const spill = { eval: join(options.workDir, 'spill-eval.jsonl'), train: join(options.workDir, 'spill-train.jsonl') };
  const paths = {
    eval: join(options.workDir, 'eval_data.jsonl'),
    train: join(options.workDir, 'train_data.jsonl'),
    val: join(options.workDir, 'val_data.jsonl'),
  };

  let workloadType: ResolvedWorkloadType | undefined;
  let assembler: DatasetAssembler | undefined;
  const evalSpill = createWriteStream(spill.eval);
  const trainSpill = createWriteStream(spill.train);
  let evalText = '';
  const makeAssembler = (type: ResolvedWorkloadType) =>
    new DatasetAssembler({
      workloadId: options.workloadId,
      clientId: options.clientId,
      workloadType: type,
      split: options.split,
      seed: options.seed,
      iclPoolSize: options.iclPoolSize,
      documentIdOf: options.documentIdOf,
      spillEvalLine: (index, line) => {
        evalText += `${index}\t${line}\n`;
      },
    });
  const pass: FirstPass = {
    resolved(type) {
      workloadType = type;
    },
    assembler() {
      assembler ??= makeAssembler(workloadType as ResolvedWorkloadType);
      return assembler;
    },
    async pageDone(trainLines) {
      if (typeof trainLines === 'string') await write(trainSpill, trainLines);
      else for (const slice of trainLines) await write(trainSpill, slice);
      if (evalText) await write(evalSpill, evalText);
      evalText = '';
      options.onProgress?.((assembler as DatasetAssembler).progress);
    },
  };
  try {
    if (options.rawPages) await threadedFirstPass(options.rawPages, options, pass);
    else if (options.pages) await inlineFirstPass(options.pages, options, pass);
    else throw new Error('buildDatasetFiles needs pages or rawPages');
  } finally {
    await close(evalSpill);
    await close(trainSpill);
  }
  const resolvedType = workloadType ?? (options.workloadType === 'auto' ? 'generic' : options.workloadType);
  assembler ??= makeAssembler(resolvedType);

  const assembled = assembler.finish();
  const { assignment } = assembled.plan;

  // eval rows: the held candidates plus any spilled ones, in arrival (newest-first) order
  const evalLines = [...assembled.evalLines];
  await eachLine(
    spill.eval,
    (line) => {
      const tab = line.indexOf(TAB);
      const index = Number(line.toString('latin1', 0, tab));
      if (assignment[index] === SPLIT.eval) {
        evalLines.push({ index, line: line.toString('utf8', tab + 1, line.length - 1) });
      }
    },
    async () => undefined,
  );
  evalLines.sort((a, b) => a.index - b.index);
  const evalOut = createWriteStream(paths.eval);
  try {
    for (const { line } of evalLines) await write(evalOut, `${line}\n`);
  } finally {
    await close(evalOut);
  }
  const evalRecords: LogRecord[] = evalLines.map(({ line }) => JSON.parse(line));

  const trainOut = createWriteStream(paths.train);
  const valOut = createWriteStream(paths.val);
  try {
    let index = 0;
    let train: Buffer[] = [];
    let val: Buffer[] = [];
    await eachLine(
      spill.train,
      (line) => {
        const code = assignment[index++];
        if (code === SPLIT.train) train.push(line);
        else if (code === SPLIT.val) val.push(line);
      },
      async () => {
        if (train.length > 0) await write(trainOut, Buffer.concat(train));
        if (val.length > 0) await write(valOut, Buffer.concat(val));
        train = [];
        val = [];
      },
    );
  } finally {
    await close(trainOut);
    await close(valOut);
  }

  return {
    paths,
    workloadType: resolvedType,
    workloadTypeSource: options.workloadType === 'auto' ? 'detected' : 'config',
    assembled,
    evalRecords,
    rejectionSamples: assembler.rejectionSamples,
  };
}

/** What the first pass tells the build: the type once known, then each page's training lines. */
interface FirstPass {
  resolved(type: ResolvedWorkloadType): void;
  /** The assembler, made on first use (after `resolved`). */
  assembler(): DatasetAssembler;
  /** The page's accepted training lines: text, or slices of a record worker's bytes. */
  pageDone(trainLines: string | Buffer[]): Promise<void>;
}

async function inlineFirstPass(pages: AsyncIterable<unknown[]>, options: BuildOptions, pass: FirstPass) {
  for await (const page of withDetectedType(pages, options.workloadType, (t) => pass.resolved(t))) {
    const assembler = pass.assembler();
    let trainText = '';
    for (let i = 0; i < page.length; i++) {
      // Let the event loop breathe now and then: the next page is already on its way, and
      // its bytes only keep flowing while the socket is being read.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise(setImmediate);
      const accepted = assembler.add(page[i]);
      if (accepted) trainText += `${accepted.trainLine}\n`;
    }
    await pass.pageDone(trainText);
  }
}

/** Pages read ahead of the one whose results are being applied, at most. */
const READ_AHEAD = 4;

/**
 * The first pass with the parsing and per-record work in record workers: this thread only
 * moves bytes, and applies each page's results in page order (dedup, indexes, pools), so the
 * outcome is that of `inlineFirstPass` on the same pages. With `workload_type: auto` the first
 * pages are also parsed here, for the detection, before any worker starts.
 */
async function threadedFirstPass(source: RawPageSource, options: BuildOptions, pass: FirstPass) {
  let workers: RecordWorkers | undefined;
  let chain: Promise<void> = Promise.resolve();
  const ahead: Promise<void>[] = [];
  const held: { body: Buffer; take: number }[] = [];
  const detectionRecords: unknown[] = [];

  const submit = (body: Buffer, take: number): Promise<PageCursor> => {
    const job = (workers as RecordWorkers).submit(body, take, pass.assembler().cutoffs());
    chain = chain.then(async () => {
      const page = await job.records;
      await pass.pageDone(applyPackedPage(page, pass.assembler()));
    });
    const applied = chain;
    applied.catch(() => undefined);
    ahead.push(applied);
    return job.cursor;
  };
  const start = (type: ResolvedWorkloadType) => {
    pass.resolved(type);
    workers = new RecordWorkers(
      options.threads ?? DEFAULT_DATASET_THREADS,
      processOptionsOf({ workloadType: type, split: options.split, seed: options.seed }),
    );
    for (const page of held) submit(page.body, page.take);
    held.length = 0;
  };
  const detect = () => resolveWorkloadType('auto', detectionRecords.slice(0, DETECTION_SAMPLE));

  try {
    if (options.workloadType !== 'auto') start(options.workloadType);
    await source(async (body, take) => {
      if (!workers) {
        const page = parseSearchPage(body.toString('utf8'));
        held.push({ body, take });
        for (const hit of page.hits.slice(0, take)) detectionRecords.push(hit._source);
        if (detectionRecords.length >= DETECTION_SAMPLE) start(detect());
        return cursorOf(page);
      }
      const cursor = await submit(body, take);
      // backpressure: the next page is only asked for while few are waiting to be applied
      while (ahead.length > READ_AHEAD) await ahead.shift();
      return cursor;
    });
    if (!workers) {
      if (held.length > 0) start(detect());
      else pass.resolved(detect());
    }
    await chain;
  } finally {
    await workers?.close();
  }
}
