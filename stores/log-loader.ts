import { StringDecoder } from 'node:string_decoder';
import type { Client } from '@elastic/elasticsearch';
import { type LineTags, parseLogLine } from '../pipeline/log-line';
import { ensureLogIndex } from './log-index';

// JSONL (a file or stdin) → Elasticsearch bulk. Streams: at most two bulk batches are held at
// a time, whatever the input size. Documents are created with content-hash ids, so a line that
// is already in the index (or repeated in the file) counts as a duplicate instead of a copy.

export interface LoadProgress {
  lines: number;
  bytes: number;
  loaded: number;
  duplicates: number;
  rejected: number;
}

export interface LineRejection {
  /** 1-based line number in the input. */
  line: number;
  reason: string;
}

export interface LoadSummary extends LoadProgress {
  /** The first rejections (at most `maxRejectionsKept`); `rejected` has the full count. */
  rejections: LineRejection[];
}

export interface LoadOptions extends LineTags {
  elasticsearch: Client;
  index: string;
  source: NodeJS.ReadableStream;
  onProgress?: (progress: LoadProgress) => void;
  onReject?: (rejection: LineRejection) => void;
  /** Documents per bulk request (also capped at ~5 MB per request). */
  batchSize?: number;
  maxRejectionsKept?: number;
  /** Clock for conversation-format lines, which carry no timestamp. */
  now?: () => Date;
}

const MAX_BATCH_BYTES = 5 * 1024 * 1024;

interface Batch {
  operations: unknown[];
  lines: number[];
  bytes: number;
}

const emptyBatch = (): Batch => ({ operations: [], lines: [], bytes: 0 });

export async function loadLogs(options: LoadOptions): Promise<LoadSummary> {
  const { elasticsearch: es, index, onProgress, onReject } = options;
  const batchSize = options.batchSize ?? 1000;
  const keep = options.maxRejectionsKept ?? 100;
  const tags: LineTags = { workloadId: options.workloadId, clientId: options.clientId };
  const summary: LoadSummary = { lines: 0, bytes: 0, loaded: 0, duplicates: 0, rejected: 0, rejections: [] };

  const reject = (line: number, reason: string) => {
    summary.rejected++;
    if (summary.rejections.length < keep) summary.rejections.push({ line, reason });
    onReject?.({ line, reason });
  };
  const report = () => {
    const { rejections: _, ...progress } = summary;
    onProgress?.(progress);
  };

  await ensureLogIndex(es, index);

  const send = async (batch: Batch) => {
    const res = await es.bulk({ index, operations: batch.operations, refresh: false });
    res.items.forEach((item, i) => {
      const result = item.create ?? item.index;
      const line = batch.lines[i] as number;
      if (!result || result.status === 201 || result.status === 200) summary.loaded++;
      else if (result.status === 409) summary.duplicates++;
      else
        reject(line, `Elasticsearch refused it: ${result.error?.type ?? result.status}: ${result.error?.reason ?? ''}`);
    });
    report();
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
    if (batch.lines.length === 0) return;
    const full = batch;
    batch = emptyBatch();
    await settle();
    inflight = send(full).catch((err) => {
      failure = err;
    });
  };

  const handleLine = async (text: string) => {
    summary.lines++;
    const parsed = parseLogLine(text, tags, options.now);
    if (parsed.ok === 'blank') return;
    if (parsed.ok === false) {
      reject(summary.lines, parsed.reason);
      return;
    }
    batch.operations.push({ create: { _id: parsed.id } }, parsed.document);
    batch.lines.push(summary.lines);
    batch.bytes += text.length;
    if (batch.lines.length >= batchSize || batch.bytes >= MAX_BATCH_BYTES) await flush();
  };

  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of options.source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    summary.bytes += buffer.length;
    pending += decoder.write(buffer);
    let start = 0;
    let end = pending.indexOf('\n', start);
    while (end >= 0) {
      await handleLine(pending.slice(start, end));
      start = end + 1;
      end = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending.length > 0) await handleLine(pending);
  await flush();
  await settle();
  await es.indices.refresh({ index });
  report();
  return summary;
}
