import { type Db, MongoClient } from 'mongodb';

/** A connected MongoDB client (any MongoDB-wire server: MongoDB 7, FerretDB). */
export async function connectMongo(url: string, dbName: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  return { client, db: client.db(dbName) };
}
