import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { servers } from '../support/servers';

// Exercises: api/main.ts (spawned as a process)

// The server entry point (api/main.ts) as a process: refuses to start without tokens, says
// loudly when it runs open, serves, and stops cleanly on SIGTERM.

const MAIN = path.resolve(__dirname, '../../api/main.ts');
const TSX = path.resolve(__dirname, '../../node_modules/tsx/dist/cli.mjs');
const dbName = `test_api_main_${randomUUID().slice(0, 8)}`;

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [TSX, MAIN], {
    env: { ...process.env, MONGODB_DB: dbName, FLYWHEEL_API_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

afterAll(async () => {
  const mongo = await MongoClient.connect(servers.MONGODB_URL);
  await mongo.db(dbName).dropDatabase();
  await mongo.close();
});

test('without tokens the server refuses to start and says how to configure them', async () => {
  const server = start({ FLYWHEEL_API_TOKENS: '', FLYWHEEL_API_OPEN: '0' });
  expect(await server.exit).toBe(1);
  expect(server.output()).toContain('FLYWHEEL_API_TOKENS');
}, 60_000);

test('open mode warns loudly, serves, and exits 0 on SIGTERM', async () => {
  const server = start({ FLYWHEEL_API_OPEN: '1' });
  const deadline = Date.now() + 45_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    url = /"url":"(http:\/\/[^"]+)"/.exec(server.output())?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(url).toBeDefined();
  expect(server.output()).toContain('WITHOUT AUTHENTICATION');
  const res = await fetch(`${url}/api/jobs`);
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  server.child.kill('SIGTERM');
  expect(await server.exit).toBe(0);
  expect(server.output()).toContain('"msg":"shutting down"');
}, 60_000);
