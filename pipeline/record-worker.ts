import { parentPort, workerData } from 'node:worker_threads';
import { cursorOf, parseSearchPage } from '../stores/search-page';
import { packPage, transferablesOf } from './packed-page';
import type { ProcessOptions } from './record-processing';
import type { WorkerReply, WorkerRequest } from './record-workers';

// A record worker: parses raw export pages, answers with the page's cursor at once (so the
// next page can be requested), then processes every record of the page and answers with the
// results packed (packed-page.ts), in the order the pages came.

const options = workerData as ProcessOptions;
const port = parentPort;
if (!port) throw new Error('record-worker.ts runs as a worker thread');

const decoder = new TextDecoder();

port.on('message', (request: WorkerRequest) => {
  const { seq } = request;
  try {
    const page = parseSearchPage(decoder.decode(request.body));
    port.postMessage({ type: 'cursor', seq, cursor: cursorOf(page) } satisfies WorkerReply);
    const hits = page.hits.length > request.take ? page.hits.slice(0, request.take) : page.hits;
    const packed = packPage(hits, options, request.cutoffs, request.body.length);
    port.postMessage({ type: 'records', seq, page: packed } satisfies WorkerReply, transferablesOf(packed));
  } catch (err) {
    port.postMessage({
      type: 'error',
      seq,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    } satisfies WorkerReply);
  }
});
