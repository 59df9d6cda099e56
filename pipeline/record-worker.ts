import { parentPort, workerData } from 'node:worker_threads';
import { cursorOf, parseSearchPage } from '../stores/search-page';
import { type PackedPage, packPage, packRawPage, transferablesOf } from './packed-page';
import { scanSearchPage } from './raw-page';
import { RecordBytes } from './record-bytes';
import type { ProcessOptions } from './record-processing';
import type { WorkerReply, WorkerRequest } from './record-workers';

// A record worker: reads raw export pages, answers with the page's cursor at once (so the
// next page can be requested), then processes every record of the page and answers with the
// results packed (packed-page.ts), in the order the pages came. A page is read as bytes
// (raw-page.ts, record-bytes.ts) unless it is unusual, then parsed whole as before.

const options = workerData as ProcessOptions;
const port = parentPort;
if (!port) throw new Error('record-worker.ts runs as a worker thread');

const decoder = new TextDecoder();
const fast = new RecordBytes(options);

port.on('message', (request: WorkerRequest) => {
  const { seq } = request;
  try {
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    const raw = scanSearchPage(body, fast.knownTools);
    let packed: PackedPage;
    if (raw) {
      port.postMessage({ type: 'cursor', seq, cursor: raw.cursor } satisfies WorkerReply);
      packed = packRawPage(body, raw, request.take, options, request.cutoffs, fast);
    } else {
      const page = parseSearchPage(decoder.decode(request.body));
      port.postMessage({ type: 'cursor', seq, cursor: cursorOf(page) } satisfies WorkerReply);
      const hits = page.hits.length > request.take ? page.hits.slice(0, request.take) : page.hits;
      packed = packPage(hits, options, request.cutoffs, request.body.length);
    }
    port.postMessage({ type: 'records', seq, page: packed } satisfies WorkerReply, transferablesOf(packed));
  } catch (err) {
    port.postMessage({
      type: 'error',
      seq,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    } satisfies WorkerReply);
  }
});
