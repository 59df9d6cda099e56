import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { connectMongo } from '../../stores/mongo';
import { DetailChangeLog } from '../../stores/results/detail-changes';
import { servers } from '../support/servers';

// The change log of finished details (stores/results/detail-changes.ts) on the real database:
// two clients stand for two writers (worker, another API replica) appending at once.

describe('detail change log', () => {
  const dbName = `test_detail_changes_${randomUUID().slice(0, 8)}`;
  let a: MongoClient;
  let b: MongoClient;
  const log = (client: MongoClient, name: string, kept?: number) =>
    new DetailChangeLog(client.db(dbName).collection(name), kept);

  beforeAll(async () => {
    a = (await connectMongo(servers.MONGODB_URL, dbName)).client;
    b = (await connectMongo(servers.MONGODB_URL, dbName)).client;
  });
  afterAll(async () => {
    await a.db(dbName).dropDatabase();
    await Promise.all([a.close(), b.close()]);
  });

  test('changes appended at once by two clients are numbered 1..N without a hole or a loss', async () => {
    const [left, right] = [log(a, 'concurrent'), log(b, 'concurrent')];
    expect(await left.readAfter(null)).toEqual({ head: 0, changes: [], lost: false });
    const runs = Array.from({ length: 24 }, (_, i) => `run-${i}`);
    const numbers = await Promise.all(runs.map((r, i) => (i % 2 ? left : right).record(r)));
    expect([...numbers].sort((x, y) => x - y)).toEqual(runs.map((_, i) => i + 1));
    const read = await right.readAfter(0);
    expect(read.lost).toBe(false);
    expect(read.head).toBe(24);
    expect(read.changes.map((c) => c.runId).sort()).toEqual([...runs].sort());
    // a reader that is up to date reads nothing new
    expect(await left.readAfter(24)).toEqual({ head: 24, changes: [], lost: false });
  });

  test("one process's changes recorded at once go in a few appends, numbered without a hole", async () => {
    const watched = new MongoClient(servers.MONGODB_URL, { monitorCommands: true });
    await watched.connect();
    const inserts: number[] = [];
    watched.on('commandStarted', (e) => {
      if (e.commandName === 'insert') inserts.push((e.command.documents as unknown[]).length);
    });
    try {
      const writer = new DetailChangeLog(watched.db(dbName).collection('batched'));
      const runs = Array.from({ length: 20 }, (_, i) => `run-${i}`);
      const numbers = await Promise.all(runs.map((r) => writer.record(r)));
      expect(numbers).toEqual(runs.map((_, i) => i + 1)); // in the order recorded
      expect(inserts.length).toBeLessThanOrEqual(3); // the first alone, the 19 others together
      expect(inserts.reduce((a, b) => a + b, 0)).toBe(20);
      const read = await log(b, 'batched').readAfter(0);
      expect(read.changes.map((c) => c.runId)).toEqual(runs);
    } finally {
      await watched.close();
    }
  });

  test('a reader starting with nothing cached begins at the head; later changes follow in order', async () => {
    const writer = log(a, 'start');
    await writer.record('old-1');
    await writer.record('old-2');
    const reader = log(b, 'start');
    const begun = await reader.readAfter(null);
    expect(begun).toEqual({ head: 2, changes: [], lost: false });
    await writer.record('x');
    await writer.record('y');
    expect(await reader.readAfter(begun.head)).toEqual({
      head: 4,
      changes: [
        { n: 3, runId: 'x' },
        { n: 4, runId: 'y' },
      ],
      lost: false,
    });
  });

  test('the log keeps a bounded number of changes; a reader further behind is told it lost track', async () => {
    const writer = log(a, 'pruned', 4);
    for (let i = 1; i <= 10; i++) await writer.record(`r${i}`);
    const stored = a.db(dbName).collection<{ _id: string }>('pruned');
    // pruned in batches of up to `kept` at every kept-th change: after 10, changes 1-4 are gone
    expect((await stored.find({ _id: { $ne: 'head' } }).toArray()).map((d) => d._id).sort()).toEqual(
      [5, 6, 7, 8, 9, 10].map((n) => `change:${n}`).sort(),
    );
    const behind = await log(b, 'pruned', 4).readAfter(2);
    expect(behind).toEqual({ head: 10, changes: [], lost: true });
    // within reach: read normally
    expect((await log(b, 'pruned', 4).readAfter(7)).changes.map((c) => c.runId)).toEqual(['r8', 'r9', 'r10']);
  });

  test('a log that was reset (dropped) under a reader is reported lost, not silently empty', async () => {
    const writer = log(a, 'reset');
    for (let i = 1; i <= 3; i++) await writer.record(`r${i}`);
    await a.db(dbName).collection('reset').drop();
    await writer.record('after-reset');
    expect(await log(b, 'reset').readAfter(3)).toEqual({ head: 1, changes: [], lost: true });
  });
});
