import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { memoryLogger } from '../../api/logger';
import { AuthThrottle } from '../../api/middleware/auth-throttle';
import { TokenFile } from '../../api/middleware/token-file';
import { MIN_TOKEN_LENGTH, sha256Hex, TokenConfigError, TokenSet, tokenProblem } from '../../api/middleware/tokens';
import { ApiEnv } from './api-env';
import { ApiTestClient } from './support';

// Exercises: api/middleware/client-address.ts (run through the API in-process, so no import names them)

// Token configuration: start-up checks, hashes at rest, the token file's hot reload, and
// failed-authentication throttling per client address (with the address in the request log).

const env = new ApiEnv();
beforeAll(() => env.start());
afterAll(() => env.close());

const GOOD = 'a'.repeat(8) + 'B1-._~+/'.repeat(2);

describe('start-up checks', () => {
  test('short tokens and tokens a bearer header cannot carry are refused, naming the entry, never the token', () => {
    expect(tokenProblem('a')).toMatch(`at least ${MIN_TOKEN_LENGTH}`);
    expect(tokenProblem(`${'x'.repeat(20)} y`)).toMatch(/bearer header cannot carry/);
    expect(tokenProblem(`${'x'.repeat(20)}é`)).toMatch(/bearer header cannot carry/);
    expect(tokenProblem(`${GOOD}==`)).toBeUndefined();
    const bad = 'short-secret';
    let error: unknown;
    try {
      env.build({ tokens: [GOOD, bad] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as Error).message).toMatch(/tokens\[1\].*12 characters long/);
    expect((error as Error).message).not.toContain(bad);
  });

  test('a token file holds hashes only: a plain token in it is refused', () => {
    const text = `tokens:\n  - name: ci\n    token: ${GOOD}\n    role: admin\n    client_ids: "*"\n`;
    expect(() => TokenSet.parseFile(text, 'tokens.yaml')).toThrow(/plain tokens are not accepted.*sha256sum/);
    expect(() =>
      TokenSet.parseFile('tokens:\n  - {name: x, sha256: abc, role: admin, client_ids: "*"}\n', 'tokens.yaml'),
    ).toThrow(/sha256: 64 lowercase hex digits/);
    expect(() =>
      TokenSet.parseFile(
        `tokens:\n  - {name: x, sha256: ${sha256Hex(GOOD)}, role: root, client_ids: "*"}\n`,
        'tokens.yaml',
      ),
    ).toThrow(/role/);
  });
});

describe('the token file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flywheel-tokens-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (name: string, token: string, role: string, clients: string) =>
    `  - name: ${name}\n    sha256: ${sha256Hex(token)}\n    role: ${role}\n    client_ids: ${clients}\n`;

  test('is re-read while the API runs: added, rotated and revoked tokens apply without a restart', async () => {
    const file = path.join(dir, 'tokens.yaml');
    const first = `first-${GOOD}`;
    const second = `second-${GOOD}`;
    writeFileSync(file, `tokens:\n${entry('team-a', first, 'read-only', '[team-a]')}`);
    const logger = memoryLogger();
    const source = new TokenFile(file, logger).watch(50);
    try {
      const api = new ApiTestClient(env.build({ tokens: source, logger }), first);
      expect((await api.call('GET', '/api/jobs')).status).toBe(200);
      expect((await api.call('GET', '/api/jobs', { token: second })).status).toBe(401);

      writeFileSync(file, `tokens:\n${entry('team-a', second, 'read-only', '[team-a]')}`);
      await until(async () => (await api.call('GET', '/api/jobs', { token: second })).status === 200);
      expect((await api.call('GET', '/api/jobs', { token: first })).status).toBe(401);

      // a broken file keeps the last good tokens and says so in the log
      writeFileSync(file, 'tokens: [ {name: broken');
      await until(() => logger.lines.some((l) => l.includes('token file invalid')));
      expect((await api.call('GET', '/api/jobs', { token: second })).status).toBe(200);
      expect(logger.lines.join('\n')).not.toContain(second);
    } finally {
      source.stop();
    }
  });
});

describe('failed-authentication throttling', () => {
  test('an address that keeps failing is refused, even with the right token, until its budget refills', async () => {
    let now = 1_000_000;
    const throttle = new AuthThrottle({ burst: 5, refillMs: 10_000, maxAddresses: 100 }, () => now);
    const logger = memoryLogger();
    const app = env.build({ authThrottle: throttle, trustedProxyHops: 1, logger });
    const api = new ApiTestClient(app, 'test-token-current');
    const from = (address: string) => ({ headers: { 'X-Forwarded-For': `10.9.9.9, ${address}` } });

    for (let i = 0; i < 5; i++) {
      expect(
        (await api.call('GET', '/api/jobs', { token: `wrong-token-${i}-xxxxxxxxxx`, ...from('203.0.113.7') })).status,
      ).toBe(401);
    }
    const blocked = await api.call('GET', '/api/jobs', from('203.0.113.7'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // another address is not affected
    expect((await api.call('GET', '/api/jobs', from('198.51.100.2'))).status).toBe(200);
    // one failure is forgiven per refill period
    now += 10_000;
    expect((await api.call('GET', '/api/jobs', from('203.0.113.7'))).status).toBe(200);

    const lines = logger.lines.map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.status === 401).every((l) => l.client_address === '203.0.113.7')).toBe(true);
    expect(lines.find((l) => l.status === 200)).toMatchObject({
      client_address: '198.51.100.2',
      token_name: expect.any(String),
    });
  });

  test('without trusted proxies X-Forwarded-For is ignored, so a client cannot pick its own address', async () => {
    const throttle = new AuthThrottle({ burst: 2, refillMs: 60_000, maxAddresses: 100 });
    const api = new ApiTestClient(env.build({ authThrottle: throttle }), 'test-token-current');
    for (const spoof of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      await api.call('GET', '/api/jobs', { token: 'wrong-token-xxxxxxxxxxxxx', headers: { 'X-Forwarded-For': spoof } });
    }
    expect((await api.call('GET', '/api/jobs', { headers: { 'X-Forwarded-For': '4.4.4.4' } })).status).toBe(429);
  });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
