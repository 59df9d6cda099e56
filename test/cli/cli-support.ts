import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { serve } from '@hono/node-server';
import type { FlywheelApp } from '../../api/app';
import type { CliIo } from '../../cli/io';
import { runCli } from '../../cli/main';

const BIN = path.resolve(__dirname, '../../bin/flywheel.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed entry point (bin/flywheel.js) as a user would, in a child process. */
export function runBin(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the CLI in-process (same code, no process start-up), capturing its output. */
export async function runInProcess(
  args: string[],
  env: Record<string, string>,
  barStream: CliIo['barStream'] = { write: () => true, isTTY: false } as unknown as CliIo['barStream'],
  stdin?: NodeJS.ReadableStream,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => {
      stdout += t.endsWith('\n') ? t : `${t}\n`;
    },
    err: (t) => {
      stderr += t.endsWith('\n') ? t : `${t}\n`;
    },
    barStream,
    env: { ...process.env, ...env },
    ...(stdin ? { stdin } : {}),
    ...((barStream as { columns?: number }).columns ? { columns: (barStream as { columns?: number }).columns } : {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** Serves an app on a local port (a random one unless given: a restart reuses the port). */
export async function serveApp(app: FlywheelApp, port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}

/** A fake terminal: what the CLI drew, and the frames of a redrawing display, ANSI removed. */
export function fakeTerminal(columns: number) {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns });
  let drawn = '';
  stream.on('data', (d) => {
    drawn += d;
  });
  const ESC = String.fromCharCode(27);
  const plain = (s: string) => s.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '');
  return {
    stream,
    text: () => plain(drawn),
    /** Every frame (a redraw starts with a cursor-up), as its lines. */
    frames: () =>
      drawn
        .split(new RegExp(`${ESC}\\[\\d+A`))
        .map((f) =>
          plain(f)
            .split('\n')
            .filter((l) => l.trim() !== ''),
        )
        .filter((f) => f.length > 0),
  };
}
