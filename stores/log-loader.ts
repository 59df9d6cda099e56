import { type Client, errors } from '@elastic/elasticsearch';
import { clip, type LineTags, parseLogLine } from '../pipeline/log-line';
import { ensureLogIndex } from './log-index';
import { LogInputError, type LogSource, MAX_LINE_BYTES, readLogLines } from './log-source';

// Log lines (files, directories, stdin; plain or gzip; see log-source.ts) → Elasticsearch bulk.
// Streams: at most two bulk batches are held at a time, whatever the input size. Documents are
// created with content-hash ids, so a line that is already in the index (or repeated in the
// file) counts as a duplicate instead of a copy. One bad line costs that line only: it is
// rejected with its number and reason, and a bulk request Elasticsearch refuses as a whole is
// split until the offending line is found.

export interface LoadProgress {
  lines: number;
  bytes: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  /** Inputs read (a directory counts each of its files). */
  files: number;
}

export interface LineRejection {
  /** The input the line came from (a path, or "stdin"). */
  file?: string;
  /** 1-based line number in that input. */
  line: number;
  reason: string;
}

export interface LoadSummary extends LoadProgress {
  /** The first rejections (at most `maxRejectionsKept`); `rejected` has the full count. */
  rejections: LineRejection[];
  /** Inputs that could not be read (or not to the end), with why. */
  inputErrors: { file: string; reason: string }[];
}

export interface LoadOptions extends LineTags {
  elasticsearch: Client;
  index: string;
  /** One stream (read as "input"), or named sources (files of a directory, stdin). */
  source?: NodeJS.ReadableStream;
  sources?: LogSource[];
  onProgress?: (progress: LoadProgress) => void;
  onReject?: (rejection: LineRejection) => void;
  /** Documents per bulk request (also capped at ~5 MB per request). */
  batchSize?: number;
  maxRejectionsKept?: number;
  maxLineBytes?: number;
  /** Clock for conversation-format lines, which carry no timestamp. */
  now?: () => Date;
}

/** The load stopped (Elasticsearch unreachable): what was done before it stopped. */
export class LoadAbortedError extends Error {
  constructor(
    message: string,
    readonly summary: LoadSummary,
  ) {
    super(message);
    this.name = 'LoadAbortedError';
  }
}

const MAX_BATCH_BYTES = 5 * 1024 * 1024;

interface Item {
  id: string;
  document: Record<string, unknown>;
  file: string;
  line: number;
}

interface Batch {
  items: Item[];
  bytes: number;
}

const emptyBatch = (): Batch => ({ items: [], bytes: 0 });

/** A bulk request refused as a whole because of what it holds, not because the server is away. */
const isContentRefusal = (err: unknown) =>
  err instanceof errors.ResponseError && (err.statusCode === 400 || err.statusCode === 413);

export async function loadLogs(options: LoadOptions): Promise<LoadSummary> {
  const { elasticsearch: es, index, onProgress, onReject } = options;
  const batchSize = options.batchSize ?? 1000;
  const keep = options.maxRejectionsKept ?? 100;
  const tags: LineTags = { workloadId: options.workloadId, clientId: options.clientId };
  const sources: LogSource[] =
    options.sources ?? (options.source ? [{ name: 'input', open: () => options.source as NodeJS.ReadableStream }] : []);
  const summary: LoadSummary = {
    lines: 0,
    bytes: 0,
    loaded: 0,
    duplicates: 0,
    rejected: 0,
    files: 0,
    rejections: [],
    inputErrors: [],
  };

  const reject = (file: string, line: number, reason: string) => {
    summary.rejected++;
    const rejection = { file, line, reason: clip(reason, 400) };
    if (summary.rejections.length < keep) summary.rejections.push(rejection);
    onReject?.(rejection);
  };
  const report = () => {
    const { rejections: _r, inputErrors: _e, ...progress } = summary;
    onProgress?.(progress);
  };

  await ensureLogIndex(es, index);

  const bulk = async (items: Item[]): Promise<void> => {
    let res: Awaited<ReturnType<typeof es.bulk>>;
    try {
      res = await es.bulk({
        index,
        operations: items.flatMap((it) => [{ create: { _id: it.id } }, it.document]),
        refresh: false,
      });
    } catch (err) {
      if (!isContentRefusal(err)) throw err;
      if (items.length === 1) {
        const it = items[0] as Item;
        reject(it.file, it.line, `Elasticsearch refused it: ${(err as Error).message}`);
        return;
      }
      const half = Math.ceil(items.length / 2);
      await bulk(items.slice(0, half));
      await bulk(items.slice(half));
      return;
    }
    res.items.forEach((item, i) => {
      const result = item.create ?? item.index;
      const it = items[i] as Item;
      if (!result || result.status === 201 || result.status === 200) summary.loaded++;
      else if (result.status === 409) summary.duplicates++;
      else
        reject(
          it.file,
          it.line,
          `Elasticsearch refused it: ${result.error?.type ?? result.status}: ${result.error?.reason ?? ''}`,
        );
    });
  };

  // One bulk request runs while the next batch is parsed; its failure (Elasticsearch down)
  // ends the load at the next flush.
  let batch = emptyBatch();
  let inflight: Promise<void> | undefined;
  let failure: unknown;
  const settle = async () => {
    await inflight;
    if (failure) throw failure;
  };
  const flush = async () => {
    if (batch.items.length === 0) return;
    const full = batch;
    batch = emptyBatch();
    await settle();
    inflight = bulk(full.items)
      .then(report)
      .catch((err) => {
        failure = err;
      });
  };

  try {
    for (const source of sources) {
      summary.files++;
      let read = 0;
      try {
        for await (const entry of readLogLines(source.open(), options.maxLineBytes ?? MAX_LINE_BYTES, (n) => {
          summary.bytes += n;
        })) {
          summary.lines++;
          read = entry.line;
          if ('problem' in entry) {
            reject(source.name, entry.line, `the line ${entry.problem}`);
            continue;
          }
          const parsed = parseLogLine(entry.text, tags, options.now);
          if (parsed.ok === 'blank') continue;
          if (parsed.ok === false) {
            reject(source.name, entry.line, parsed.reason);
            continue;
          }
          batch.items.push({ id: parsed.id, document: parsed.document, file: source.name, line: entry.line });
          batch.bytes += entry.text.length;
          if (batch.items.length >= batchSize || batch.bytes >= MAX_BATCH_BYTES) await flush();
        }
      } catch (err) {
        if (!(err instanceof LogInputError)) throw err;
        const reason = read > 0 ? `${err.message} (after line ${read})` : err.message;
        summary.inputErrors.push({ file: source.name, reason });
      }
    }
    await flush();
    await settle();
    await es.indices.refresh({ index });
  } catch (err) {
    await inflight?.catch(() => undefined);
    throw new LoadAbortedError(`the load stopped: ${(err as Error).message}`, summary);
  }
  report();
  return summary;
}
