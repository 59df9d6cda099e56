import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readEnvironment } from '../../config/environment';
import { connectClient, temporalConnectionOptions } from '../../temporal/connection';
import { servers } from '../support/servers';

// The chart and compose file hand the processes Temporal TLS and API-key settings through
// these variables; each must reach the connection, and a bad one must fail at start by name.

const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-tls-'));
const pem = (name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `-----BEGIN ${body}-----\nAAAA\n-----END ${body}-----\n`);
  return file;
};
const cert = pem('client.crt', 'CERTIFICATE');
const key = pem('client.key', 'PRIVATE KEY');
const ca = pem('ca.crt', 'CERTIFICATE');

describe('Temporal connection settings from the environment', () => {
  test('plain address when nothing about TLS is set (the local dev server)', () => {
    const options = temporalConnectionOptions(readEnvironment({ TEMPORAL_ADDRESS: 'temporal:7233' }));
    expect(options).toEqual({ address: 'temporal:7233' });
  });

  test('mutual TLS reads the client pair, the CA and the server name', () => {
    const options = temporalConnectionOptions(
      readEnvironment({
        TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233',
        TEMPORAL_TLS_CERT: cert,
        TEMPORAL_TLS_KEY: key,
        TEMPORAL_TLS_CA: ca,
        TEMPORAL_TLS_SERVER_NAME: 'ns.tmprl.cloud',
      }),
    );
    expect(options.tls?.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
    expect(options.tls?.clientCertPair?.key.toString()).toContain('BEGIN PRIVATE KEY');
    expect(options.tls?.serverRootCACertificate?.toString()).toContain('BEGIN CERTIFICATE');
    expect(options.tls?.serverNameOverride).toBe('ns.tmprl.cloud');
  });

  test('an API key turns TLS on and is passed along', () => {
    const options = temporalConnectionOptions(readEnvironment({ TEMPORAL_API_KEY: 'k-123' }));
    expect(options).toEqual({ address: '127.0.0.1:7233', tls: {}, apiKey: 'k-123' });
  });

  test('a certificate without its key is refused, naming the missing variable', () => {
    expect(() => readEnvironment({ TEMPORAL_TLS_CERT: cert })).toThrow(/TEMPORAL_TLS_KEY: .*set together/);
  });

  test('an unreadable PEM file fails with the variable and the path', () => {
    const missing = path.join(dir, 'nope.crt');
    expect(() =>
      temporalConnectionOptions(readEnvironment({ TEMPORAL_TLS_CERT: missing, TEMPORAL_TLS_KEY: key })),
    ).toThrow(`TEMPORAL_TLS_CERT: cannot read ${missing}`);
  });

  test('the worker shutdown grace comes from the environment, 30 s by default', () => {
    expect(readEnvironment({}).FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS).toBe(30);
    expect(
      readEnvironment({ FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS: '90' }).FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS,
    ).toBe(90);
    expect(() => readEnvironment({ FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS: 'soon' })).toThrow(
      /FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS/,
    );
  });

  test('without TLS settings the client reaches the running dev server', async () => {
    const client = await connectClient(readEnvironment({ TEMPORAL_ADDRESS: servers.TEMPORAL_ADDRESS }));
    try {
      await expect(client.workflowService.getSystemInfo({})).resolves.toBeDefined();
    } finally {
      await client.connection.close();
    }
  });
});
