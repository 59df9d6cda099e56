import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Binary,
  BSON,
  BSONRegExp,
  type Collection,
  type Document,
  Double,
  Int32,
  Long,
  MongoClient,
  ObjectId,
  type Sort,
  Timestamp,
} from 'mongodb';
import { listJobs } from '../../api/jobs/list';
import { OPEN_PRINCIPAL } from '../../api/middleware/roles';
import { connectMongo } from '../../stores/mongo';
import { ResultsStore } from '../../stores/results/results-store';
import type { RunListQuery } from '../../stores/results/run-listing';
import { freePort, PrivatePostgresFerretDb } from '../chaos/private-servers';

// Exercises: scripts/ferretdb/patches/pg-sort-limit.patch, stores/results/run-listing.ts

const { EJSON } = BSON;

// FerretDB on PostgreSQL, built by this checkout's scripts/stack.sh with its patches, answers a
// sorted, limited find from its indexes (pg-sort-limit.patch). What it returns must be what
// the same find returns unlimited, i.e. sorted in memory over every document (FerretDB's own
// path, unchanged), cut to the page: over every value type, with filters pushed down whole,
// partly or not at all. A private server, so the patch under test is this checkout's whatever
// FerretDB the shared stack runs.

let ferret: PrivatePostgresFerretDb;
let client: MongoClient;

beforeAll(async () => {
  ferret = new PrivatePostgresFerretDb(
    await freePort(),
    await freePort(),
    mkdtempSync(path.join(tmpdir(), 'pg-sort-')),
  );
  await ferret.start();
  client = await MongoClient.connect(ferret.url);
}, 300_000);
afterAll(async () => {
  await client?.close();
  await ferret?.stop();
  rmSync(ferret.stateDir, { recursive: true, force: true });
});

// One of every type FerretDB stores, several of some (ties), and the field missing: numbers
// and dates are all jsonb numbers, strings, ObjectIDs, regexes and binary data all jsonb
// strings, so jsonb's order alone would mix them.
const VALUES: unknown[] = [
  new Date(1_000),
  new Date(5_000),
  new Date(3_000),
  new Date(5_000),
  new Date(-2_000),
  new Int32(4),
  new Int32(5_000),
  new Long(9),
  new Long('9007199254740993'),
  new Double(2.5),
  new Double(-0),
  new Double(4),
  'b',
  'B',
  'é',
  'a',
  'ab',
  '',
  '0000000000000000000000aa',
  new ObjectId('0000000000000000000000aa'),
  new ObjectId('ffffffffffffffffffffffff'),
  true,
  false,
  null,
  undefined,
  [new Date(9_000)],
  [new Date(500), 'zz'],
  [1, 'x'],
  [],
  { a: 1 },
  {},
  new BSONRegExp('a'),
  new Binary(Buffer.from('a')),
  new Timestamp({ t: 1, i: 2 }),
  new Timestamp({ t: 0, i: 7 }),
];
// a value with quotes and a backslash: the patch writes filter values into its SQL as literals
const QUOTED = `it's \\ "q" ''`;
const S_VALUES: unknown[] = ['a', 'b', ['a', 'c'], 5, new BSONRegExp('a'), QUOTED, undefined];

describe('sorted, limited finds on the patched FerretDB', () => {
  let col: Collection<Document>;
  beforeAll(async () => {
    col = client.db('sort_limit').collection('t');
    await col.createIndex({ k: -1 });
    await col.createIndex({ s: 1 });
    const docs: Document[] = [];
    for (const [i, k] of VALUES.entries())
      for (const [j, s] of S_VALUES.entries()) {
        // ids of mixed order and type too, for sorts on k then _id
        const doc: Document = {
          _id: (i * 7 + j * 13) % 5 === 0 ? i * 100 + j : `d${(i * 31 + j * 17) % 1000}-${i}-${j}`,
        };
        if (k !== undefined) doc.k = k;
        if (s !== undefined) doc.s = s;
        doc.t = j % 2 === 0 ? 'x' : 'y';
        docs.push(doc);
      }
    await col.insertMany(docs);
  });

  const FILTERS: Document[] = [
    {},
    { s: 'a' },
    { s: { $in: ['a', 'b'] } },
    { s: { $eq: 'b' }, t: 'x' },
    { s: { $lt: 'b' } },
    { k: { $lt: new Date(5_000) } },
    { k: { $gte: new Date(1_000) }, s: 'a' },
    { k: new Date(5_000) },
    { _id: { $gt: 'd5' } },
    { s: QUOTED },
    { s: { $in: [QUOTED, 'b'] }, k: { $gt: new Date(0) } },
    { s: { $gte: "it's" } },
    // not expressible by the patch: answered as before
    { s: { $ne: 'a' } },
    { $or: [{ s: 'a' }, { k: true }] },
    { 's.0': 'a' },
  ];
  const SORTS: Document[] = [
    { k: -1, _id: -1 },
    { k: 1, _id: 1 },
    { k: -1, t: 1, _id: 1 },
    { k: 1 },
    { s: -1, _id: 1 },
  ];
  const key = (d: Document, sort: Document) => EJSON.stringify(Object.keys(sort).map((f) => d[f] ?? null));

  test('every page is the unlimited find cut to the page, for every type, filter and direction', async () => {
    let compared = 0;
    for (const filter of FILTERS)
      for (const sort of SORTS) {
        const all = await col
          .find(filter)
          .sort(sort as Sort)
          .toArray();
        for (const [skip, limit] of [
          [0, 1],
          [0, 3],
          [2, 5],
          [0, 20],
          [7, 1000],
        ] as const) {
          const page = await col
            .find(filter)
            .sort(sort as Sort)
            .skip(skip)
            .limit(limit)
            .toArray();
          const want = all.slice(skip, skip + limit);
          const where = `${EJSON.stringify(filter)} sorted ${JSON.stringify(sort)} skip ${skip} limit ${limit}`;
          if ('_id' in sort) {
            // a total order: the same documents in the same order
            expect({ where, ids: page.map((d) => d._id) }).toEqual({ where, ids: want.map((d) => d._id) });
          } else {
            // ties come in any order (as on MongoDB), but the same sort keys at every position
            expect({ where, keys: page.map((d) => key(d, sort)) }).toEqual({
              where,
              keys: want.map((d) => key(d, sort)),
            });
            const ids = new Set(all.map((d) => EJSON.stringify(d._id)));
            expect(page.every((d) => ids.has(EJSON.stringify(d._id)))).toBe(true);
          }
          compared++;
        }
      }
    expect(compared).toBe(FILTERS.length * SORTS.length * 5);
  });

  test('the first page is read from the (type, value) index of its sort key', async () => {
    const plan = await client
      .db('sort_limit')
      .command({ explain: { find: 't', filter: {}, sort: { k: -1, _id: -1 }, limit: 21 } });
    expect(plan.limitPushdown).toBe(true);
    const text = JSON.stringify(plan.queryPlanner);
    expect(text).toMatch(/"Index Name":"t_[0-9a-f]+_k_/);
    // a filter the patch cannot express exactly leaves the find as it was
    const or = await client
      .db('sort_limit')
      .command({ explain: { find: 't', filter: { $or: [{ s: 'a' }] }, sort: { k: -1 }, limit: 21 } });
    expect(or.limitPushdown).toBe(false);
  });
});

describe('the job listing on the patched FerretDB', () => {
  let results: ResultsStore;
  let listing: MongoClient | undefined;
  const runs: { _id: string; workload_id: string; client_id: string; status: string; started_at: Date }[] = [];

  beforeAll(async () => {
    const mongo = await connectMongo(ferret.url, 'listing');
    listing = mongo.client;
    results = new ResultsStore(mongo.db);
    await results.ensureIndexes();
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 26; i++) {
      const _id = `${String((i * 7) % 26).padStart(3, '0')}-${i}`;
      // runs share start times in threes, so pages end inside ties
      const run = {
        _id,
        workload_id: `wl-${i % 3}`,
        client_id: `client-${i % 2}`,
        workflow_id: `flywheel-${_id}`,
        started_at: new Date(t0 + Math.floor(i / 3) * 60_000),
      };
      await results.createRun(run);
      const status = i % 4 === 0 ? 'completed' : 'pending';
      if (status === 'completed') await results.finishRun(_id, 'completed');
      runs.push({ ...run, status });
    }
  });

  afterAll(() => listing?.close());

  const expected = (q: RunListQuery) =>
    runs
      .filter(
        (r) =>
          (!q.workload_id || r.workload_id === q.workload_id) &&
          (!q.client_ids || q.client_ids.includes(r.client_id)) &&
          (!q.status || r.status === q.status),
      )
      .sort((a, b) => {
        const by = a.started_at.getTime() - b.started_at.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
        return q.descending ? -by : by;
      })
      .map((r) => r._id);

  test('pages visit every run once in order, with each filter, in both directions', async () => {
    const queries: RunListQuery[] = [
      {},
      { workload_id: 'wl-1' },
      { client_ids: ['client-0'] },
      { status: 'completed' },
      { workload_id: 'wl-2', client_ids: ['client-0', 'client-1'] },
    ];
    for (const base of queries)
      for (const descending of [true, false])
        for (const limit of [1, 4, 7]) {
          const q = { ...base, descending, limit };
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 40; page++) {
            const res = await results.listRuns({ ...q, cursor });
            expect(res.runs.length).toBeLessThanOrEqual(limit);
            seen.push(...res.runs.map((r) => r._id));
            if (!res.nextCursor) break;
            cursor = res.nextCursor;
          }
          expect({ q, seen }).toEqual({ q, seen: expected(q) });
        }
  });

  test("the API's first pages are the runs the unlimited listing puts first, for any token", async () => {
    const scoped = { ...OPEN_PRINCIPAL, clientIds: new Set(['client-1']) };
    for (const principal of [OPEN_PRINCIPAL, scoped])
      for (const sort of ['-started_at', 'started_at'] as const) {
        const page = await listJobs(results, { sort, limit: 5 }, principal);
        const clients = principal === scoped ? { client_ids: ['client-1'] } : {};
        const all = await results.listRuns({ descending: sort === '-started_at', ...clients });
        expect(page.jobs.map((j) => j.id)).toEqual(all.runs.slice(0, 5).map((r) => r._id));
        expect(page.jobs.map((j) => j.id)).toEqual(
          expected({ descending: sort === '-started_at', ...clients }).slice(0, 5),
        );
        expect(page.next_cursor).not.toBeNull();
      }
  });
});
