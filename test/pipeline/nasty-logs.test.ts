import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { documentId } from '../../pipeline/log-line';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { type LineRejection, type LoadSummary, loadLogs } from '../../stores/log-loader';
import { resolveLogSources } from '../../stores/log-source';
import { servers } from '../support/servers';

// The nasty-log corpus (test/pipeline/nasty-logs/, made by make-corpus.py): every file is loaded
// in one `logs load <directory>` call, then each line's outcome is checked against
// expected.json: a valid line lands exactly once and intact, an invalid one is rejected with
// its line number and a precise reason, and the load ends with its summary.

interface Expected {
  client: string;
  encoding?: 'utf8' | 'utf8-bom' | 'utf16le' | 'utf16le-nobom' | 'utf16be' | 'gzip' | 'gzip-utf16le';
  eol?: 'lf' | 'crlf' | 'cr';
  /** One per line: loaded, blank, duplicate, or "rejected:<regex of the reason>"; or a cut-short gzip. */
  outcomes: string[] | 'prefix-loaded';
  inputError?: string;
  timestamps?: Record<string, string>;
  maxLineBytes?: number;
  maxReasonLength?: number;
}

const DIR = join(__dirname, 'nasty-logs');
const FILES = join(DIR, 'files');
const expected: Record<string, Expected> = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const es = createElasticsearchClient(servers.ELASTICSEARCH_URL);
const index = `test-nasty-${randomUUID().slice(0, 8)}`;
const MAX_LINE = Math.min(...Object.values(expected).map((e) => e.maxLineBytes ?? Number.POSITIVE_INFINITY));

/** The file's lines, read independently of the loader from what expected.json says it is. */
function originalLines(name: string, spec: Expected): string[] {
  let bytes: Buffer = readFileSync(join(FILES, name));
  const encoding = spec.encoding ?? 'utf8';
  // a cut-short gzip gives what decompresses before the cut
  if (encoding.startsWith('gzip')) bytes = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
  const label = encoding.includes('utf16le') ? 'utf-16le' : encoding === 'utf16be' ? 'utf-16be' : 'utf-8';
  const text = new TextDecoder(label).decode(bytes);
  const lines = text.split(spec.eol === 'cr' ? '\r' : '\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return spec.eol === 'cr' ? lines : lines.map((l) => l.replace(/\r$/, ''));
}

let summary: LoadSummary;
const rejections = new Map<string, LineRejection>();

beforeAll(async () => {
  summary = await loadLogs({
    elasticsearch: es,
    index,
    sources: await resolveLogSources(FILES),
    maxLineBytes: MAX_LINE,
    maxRejectionsKept: 10_000,
    batchSize: 100,
    onReject: (r) => rejections.set(`${r.file}:${r.line}`, r),
  });
});

afterAll(async () => {
  await es.indices.delete({ index, ignore_unavailable: true });
  await es.close();
});

test('the corpus has at least 40 files and the load reads every one and ends with its summary', () => {
  expect(Object.keys(expected).length).toBeGreaterThanOrEqual(40);
  expect(summary.files).toBe(Object.keys(expected).length);
  const lineCount = Object.values(expected).reduce(
    (n, e) => n + (Array.isArray(e.outcomes) ? e.outcomes.length : 0),
    0,
  );
  // the cut-short gzip file adds the lines it held before the cut
  expect(summary.lines).toBeGreaterThan(lineCount);
  expect(summary.rejected).toBe(rejections.size);
  expect(summary.inputErrors.map((e) => e.file.split('/').pop()).sort()).toEqual(
    Object.entries(expected)
      .filter(([, e]) => e.inputError)
      .map(([n]) => n)
      .sort(),
  );
});

describe.each(Object.entries(expected))('%s', (name, spec) => {
  const file = join(FILES, name);

  test('every line has its expected outcome; valid lines land once and intact', async () => {
    const inputError = summary.inputErrors.find((e) => e.file === file);
    if (spec.inputError) expect(inputError?.reason).toContain(spec.inputError);
    else expect(inputError).toBeUndefined();

    if (spec.outcomes === 'prefix-loaded') {
      // checked by the cut-short test below: a prefix of its lines, none rejected
      expect([...rejections.values()].filter((r) => r.file === file)).toEqual([]);
      return;
    }
    const outcomes = spec.outcomes;
    const lines = spec.inputError ? [] : originalLines(name, spec);
    if (!spec.inputError) expect(lines.length).toBe(outcomes.length);

    const loadedIds = new Set<string>();
    for (const [i, outcome] of outcomes.entries()) {
      const lineNo = i + 1;
      const rejection = rejections.get(`${file}:${lineNo}`);
      if (outcome.startsWith('rejected:')) {
        expect({ line: lineNo, reason: rejection?.reason }).toEqual({
          line: lineNo,
          reason: expect.stringMatching(new RegExp(outcome.slice('rejected:'.length))),
        });
        expect((rejection?.reason ?? '').length).toBeLessThanOrEqual(spec.maxReasonLength ?? 600);
        continue;
      }
      expect({ line: lineNo, rejection }).toEqual({ line: lineNo, rejection: undefined });
      if (outcome === 'blank') continue;
      const text = (lines[i] as string).trim();
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const id = documentId(text, parsed.workload_id as string, parsed.client_id as string);
      if (outcome === 'duplicate') {
        expect(loadedIds.has(id)).toBe(true);
        continue;
      }
      loadedIds.add(id);
      const doc = await es.get<Record<string, unknown>>({ index, id });
      const timestamp = spec.timestamps?.[String(lineNo)] ?? new Date(parsed.timestamp as string).toISOString();
      expect({ line: lineNo, doc: doc._source }).toEqual({ line: lineNo, doc: { ...parsed, timestamp } });
    }
    // exactly once: nothing else was indexed for this file's records
    const { count } = await es.count({ index, query: { term: { client_id: spec.client } } });
    expect(count).toBe(loadedIds.size);
  });
});

test('one deep line in a long file costs exactly that line', () => {
  const file = join(FILES, 'n16-deep-line-in-a-batch.jsonl');
  expect([...rejections.values()].filter((r) => r.file === file).map((r) => r.line)).toEqual([150]);
});

test('a gzip file cut short keeps every complete line decompressed before the cut', async () => {
  const { count } = await es.count({ index, query: { term: { client_id: 'n13' } } });
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(200);
  const { hits } = await es.search<{ request: { messages: { content: string }[] } }>({
    index,
    query: { term: { client_id: 'n13' } },
    size: 200,
  });
  const numbers = hits.hits
    .map((h) => Number(h._source?.request.messages[0]?.content.split(' ').pop()))
    .sort((a, b) => a - b);
  expect(numbers).toEqual(numbers.map((_, i) => i));
});
