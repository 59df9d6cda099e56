import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApiLogger } from '../logger';
import { TokenConfigError, TokenSet } from './tokens';

// The token file (FLYWHEEL_API_TOKENS_FILE, a mounted Secret in Kubernetes), re-read while the
// API runs so a token is added, rotated or revoked without a restart. The file is polled by
// content (Kubernetes swaps a Secret volume's symlinks, which file watchers miss). A file that
// no longer parses keeps the last good set and is logged, so a typo never locks everyone out.

export interface TokenSource {
  current(): TokenSet;
}

export class TokenFile implements TokenSource {
  private set: TokenSet;
  private digest: string;
  private timer: NodeJS.Timeout | undefined;

  /** Reads the file once; throws TokenConfigError when the API must not start with it. */
  constructor(
    readonly path: string,
    private readonly logger: ApiLogger,
  ) {
    const text = this.read();
    this.set = TokenSet.parseFile(text, path);
    this.digest = digestOf(text);
  }

  current(): TokenSet {
    return this.set;
  }

  /** Re-reads the file now; returns whether the accepted tokens changed. */
  reload(): boolean {
    let text: string;
    try {
      text = this.read();
    } catch (err) {
      this.logger.error('token file unreadable, keeping the current tokens', {
        path: this.path,
        error: (err as Error).message,
      });
      return false;
    }
    const digest = digestOf(text);
    if (digest === this.digest) return false;
    try {
      this.set = TokenSet.parseFile(text, this.path);
    } catch (err) {
      const message = err instanceof TokenConfigError ? err.message : String(err);
      this.logger.error('token file invalid, keeping the current tokens', { path: this.path, error: message });
      return false;
    }
    this.digest = digest;
    this.logger.info('token file reloaded', {
      path: this.path,
      tokens_configured: this.set.size,
      names: this.set.names,
    });
    return true;
  }

  /** Polls the file every `intervalMs` (the timer does not keep the process alive). */
  watch(intervalMs: number): this {
    this.stop();
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private read(): string {
    return readFileSync(this.path, 'utf8');
  }
}

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** A fixed set (tokens given in code or in FLYWHEEL_API_TOKENS). */
export const fixedTokens = (set: TokenSet): TokenSource => ({ current: () => set });
