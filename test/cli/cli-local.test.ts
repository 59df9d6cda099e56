import { spawn } from 'node:child_process';
import path from 'node:path';
import { runBin } from './cli-support';

// Exercises: cli/commands/local.ts (run through bin/flywheel.js in a child process)

// The local-machine commands through bin/flywheel.js: the emulator and the stack script.

const BIN = path.resolve(__dirname, '../../bin/flywheel.js');

test('emulator start runs the NeMo emulator in the foreground until SIGTERM', async () => {
  const child = spawn(process.execPath, [BIN, 'emulator', 'start', '--port', '0', '--time-scale', '0.01'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 45_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(url).toBeDefined();
  expect(output).toContain('time scale 0.01');
  const res = await fetch(`${url}/health`);
  expect(await res.json()).toEqual({ status: 'ok' });
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
}, 60_000);

test('stack status runs scripts/stack.sh and shows the servers', async () => {
  const status = await runBin(['stack', 'status'], {});
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/temporal: up/);
  expect(status.stdout).toMatch(/elasticsearch: up/);
});
