import { randomUUID } from 'node:crypto';
import type { MongoClient } from 'mongodb';
import { connectMongo } from '../../stores/mongo';
import { servers } from '../support/servers';

describe('MongoDB-wire database', () => {
  let client: MongoClient;
  const dbName = `test_foundation_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ client } = await connectMongo(servers.MONGODB_URL, dbName));
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  test('insert, update and query round trip', async () => {
    const runs = client.db(dbName).collection<{ workload_id: string; status: string; num_records: number }>('runs');
    await runs.createIndex({ workload_id: 1 });
    const { insertedId } = await runs.insertOne({ workload_id: 'w1', status: 'pending', num_records: 0 });
    await runs.insertOne({ workload_id: 'w2', status: 'pending', num_records: 0 });

    const updated = await runs.findOneAndUpdate(
      { _id: insertedId, status: 'pending' },
      { $set: { status: 'running' }, $inc: { num_records: 42 } },
      { returnDocument: 'after' },
    );
    expect(updated).toMatchObject({ status: 'running', num_records: 42 });

    // A guarded update that no longer matches changes nothing (first terminal write wins).
    const second = await runs.updateOne({ _id: insertedId, status: 'pending' }, { $set: { status: 'failed' } });
    expect(second.modifiedCount).toBe(0);

    const running = await runs.find({ status: 'running' }).toArray();
    expect(running.map((r) => r.workload_id)).toEqual(['w1']);
  });
});
