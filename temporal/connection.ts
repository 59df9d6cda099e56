import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { type Environment, readEnvironment } from '../config/environment';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/**
 * Address, TLS and API key from the environment. TLS is on when any TLS setting or an API key
 * is given (Temporal Cloud takes API keys over TLS only); the PEM files are read here so a wrong
 * path fails at start with the variable's name instead of as a handshake error later.
 */
export function temporalConnectionOptions(env: Environment): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: env.TEMPORAL_ADDRESS };
  const wantsTls =
    env.TEMPORAL_TLS_CERT !== undefined ||
    env.TEMPORAL_TLS_CA !== undefined ||
    env.TEMPORAL_TLS_SERVER_NAME !== undefined ||
    env.TEMPORAL_API_KEY !== undefined;
  if (wantsTls) {
    const tls: TLSConfig = {};
    if (env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY) {
      tls.clientCertPair = {
        crt: readPem('TEMPORAL_TLS_CERT', env.TEMPORAL_TLS_CERT),
        key: readPem('TEMPORAL_TLS_KEY', env.TEMPORAL_TLS_KEY),
      };
    }
    if (env.TEMPORAL_TLS_CA) tls.serverRootCACertificate = readPem('TEMPORAL_TLS_CA', env.TEMPORAL_TLS_CA);
    if (env.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
    options.tls = tls;
  }
  if (env.TEMPORAL_API_KEY) options.apiKey = env.TEMPORAL_API_KEY;
  return options;
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${variable}: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** A Temporal client for starting, signalling and querying workflows. */
export async function connectClient(env: Environment = readEnvironment()): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(env));
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}

/** The native connection a worker polls through. */
export function connectWorker(env: Environment = readEnvironment()): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(env));
}
