import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

// A real browser for the tests: Debian's chromium (installed by .ci/run), driven by
// playwright-core, which downloads no browser of its own.

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
  if (!found) {
    throw new Error(`no Chromium found (tried ${CANDIDATES.join(', ')}); install it with: apt-get install -y chromium`);
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs the tests as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}

/** The folder tests write artifacts (screenshots) to: .stack/test-output/. */
export function testOutputDir(): string {
  const dir = path.resolve(__dirname, '../../.stack/test-output');
  mkdirSync(dir, { recursive: true });
  return dir;
}
