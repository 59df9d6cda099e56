import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PageCursor } from '../stores/search-page';
import type { PackedPage } from './packed-page';
import type { ProcessOptions, RecordCutoffs } from './record-processing';

// A fixed set of record workers (record-worker.ts) that raw export pages are handed to in
// turn. Each worker answers its pages in order, so the results of page n are awaited in page
// order by the caller and the build stays deterministic however many workers there are.

export interface WorkerRequest {
  seq: number;
  body: Uint8Array;
  take: number;
  cutoffs: RecordCutoffs;
}

export type WorkerReply =
  | { type: 'cursor'; seq: number; cursor: PageCursor }
  | { type: 'records'; seq: number; page: PackedPage }
  | { type: 'error'; seq: number; message: string };

interface Pending {
  cursor: Deferred<PageCursor>;
  records: Deferred<PackedPage>;
}

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (err: Error) => void;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // whoever awaits it sees the rejection; an unawaited one must not crash the process
    this.promise.catch(() => undefined);
  }
}

/**
 * A record worker allocates a page's worth of short-lived objects per page (a 2,000-record
 * page parses into ~7 MB of them): with V8's default young generation most scavenges come
 * too early and copy live objects, so it gets a larger one (its RSS grows by about this much).
 */
const WORKER_YOUNG_GENERATION_MB = 48;

/** The worker script next to this file: record-worker.ts under tsx / jest, .js once compiled. */
function spawn(options: ProcessOptions): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `record-worker${ext}`);
  // compiled code runs as it is; TypeScript sources need tsx's CommonJS hook in the thread
  const execArgv = ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : undefined;
  return new Worker(file, {
    workerData: options,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    ...(execArgv ? { execArgv } : {}),
  });
}

export class RecordWorkers {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failure: Error | undefined;

  constructor(count: number, options: ProcessOptions) {
    this.workers = Array.from({ length: Math.max(1, count) }, () => spawn(options));
    for (const worker of this.workers) {
      worker.on('message', (reply: WorkerReply) => this.onReply(reply));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a record worker exited with code ${code}`));
      });
    }
  }

  /**
   * Hands a raw page to the next worker; its cursor comes first, then its processed records
   * (records at or above `cutoffs` without their JSON).
   */
  submit(
    body: Buffer,
    take: number,
    cutoffs: RecordCutoffs,
  ): { cursor: Promise<PageCursor>; records: Promise<PackedPage> } {
    const seq = this.seq++;
    const pending = { cursor: new Deferred<PageCursor>(), records: new Deferred<PackedPage>() };
    if (this.failure) {
      pending.cursor.reject(this.failure);
      pending.records.reject(this.failure);
      return { cursor: pending.cursor.promise, records: pending.records.promise };
    }
    this.pending.set(seq, pending);
    // a small Buffer may share Node's pooled ArrayBuffer: only a Buffer that owns its memory
    // is transferred as it is, any other is copied first
    const owns = body.byteOffset === 0 && body.buffer.byteLength === body.length && body.buffer instanceof ArrayBuffer;
    const bytes = owns ? new Uint8Array(body.buffer, 0, body.length) : Uint8Array.from(body);
    const worker = this.workers[seq % this.workers.length] as Worker;
    worker.postMessage({ seq, body: bytes, take, cutoffs } satisfies WorkerRequest, [bytes.buffer]);
    return { cursor: pending.cursor.promise, records: pending.records.promise };
  }

  async close(): Promise<void> {
    this.failure ??= new Error('record workers closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onReply(reply: WorkerReply) {
    const pending = this.pending.get(reply.seq);
    if (!pending) return;
    if (reply.type === 'cursor') pending.cursor.resolve(reply.cursor);
    else if (reply.type === 'records') {
      pending.records.resolve(reply.page);
      this.pending.delete(reply.seq);
    } else {
      const err = new Error(`record worker failed on page ${reply.seq}: ${reply.message}`);
      pending.cursor.reject(err);
      pending.records.reject(err);
      this.pending.delete(reply.seq);
    }
  }

  private fail(err: Error) {
    if (this.failure) return;
    this.failure = err;
    for (const pending of this.pending.values()) {
      pending.cursor.reject(err);
      pending.records.reject(err);
    }
    this.pending.clear();
  }
}
