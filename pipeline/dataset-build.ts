import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DataSplitConfig } from '../config/schema';
import type { ResolvedWorkloadType, WorkloadType } from '../contracts';
import { type AssembledSplit, DatasetAssembler, type RejectionSample } from './dataset-assembler';
import type { LogRecord } from './log-record';
import { SPLIT } from './split';
import { resolveWorkloadType } from './workload-type';

// Exported records → eval / train / val JSONL files, in two streaming passes: the first
// validates, de-duplicates and formats every record as a training row, spilling it to disk and
// keeping only numbers per record; once the split is planned, the second routes the spilled
// lines into the output files. Memory stays flat for any number of records. The only I/O in
// pipeline/: local temporary files, in a directory the caller owns and removes.

const YIELD_EVERY = 200;

/** Records (the newest) that `workload_type: auto` is detected from. */
export const DETECTION_SAMPLE = 1000;

export interface BuildOptions {
  /** Pages of raw exported records, newest first. */
  pages: AsyncIterable<unknown[]>;
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

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function* lines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) yield line;
  } finally {
    reader.close();
    input.destroy();
  }
}

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
  try {
    for await (const page of withDetectedType(options.pages, options.workloadType, (t) => {
      workloadType = t;
    })) {
      assembler ??= makeAssembler(workloadType as ResolvedWorkloadType);
      let trainText = '';
      for (let i = 0; i < page.length; i++) {
        // Let the event loop breathe now and then: the next page is already on its way, and
        // its bytes only keep flowing while the socket is being read.
        if (i > 0 && i % YIELD_EVERY === 0) await new Promise(setImmediate);
        const accepted = assembler.add(page[i]);
        if (accepted) trainText += `${accepted.trainLine}\n`;
      }
      await write(trainSpill, trainText);
      if (evalText) await write(evalSpill, evalText);
      evalText = '';
      options.onProgress?.(assembler.progress);
    }
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
  for await (const line of lines(spill.eval)) {
    const tab = line.indexOf('\t');
    const index = Number(line.slice(0, tab));
    if (assignment[index] === SPLIT.eval) evalLines.push({ index, line: line.slice(tab + 1) });
  }
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
    for await (const line of lines(spill.train)) {
      const code = assignment[index++];
      if (code === SPLIT.train) await write(trainOut, `${line}\n`);
      else if (code === SPLIT.val) await write(valOut, `${line}\n`);
    }
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
