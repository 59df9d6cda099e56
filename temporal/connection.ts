import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { type Environment, readEnvironment } from '../config/environment';

/** A Temporal client for starting, signalling and querying workflows. */
export async function connectClient(env: Environment = readEnvironment()): Promise<Client> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}

/** The native connection a worker polls through. */
export function connectWorker(env: Environment = readEnvironment()): Promise<NativeConnection> {
  return NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
}
