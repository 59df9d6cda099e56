// Failed-authentication throttling per client address: each address has a bucket of allowed
// failures that refills slowly. Once it is empty, every request from that address that carries
// credentials is answered 429 (the right token too) until the bucket refills, so guessing a
// token costs time. The clock is injected so tests need no sleeps.

export interface ThrottleSettings {
  /** Failures an address may make in a burst. */
  burst: number;
  /** One failure is forgiven every `refillMs`. */
  refillMs: number;
  /** Addresses remembered at most (the oldest are dropped first). */
  maxAddresses: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { burst: 20, refillMs: 3000, maxAddresses: 10_000 };

interface Bucket {
  failures: number; // failures not yet forgiven, as of `at`
  at: number;
}

export class AuthThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly settings: ThrottleSettings = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  private settle(address: string): Bucket | undefined {
    const bucket = this.buckets.get(address);
    if (!bucket) return undefined;
    const t = this.now();
    const forgiven = Math.floor((t - bucket.at) / this.settings.refillMs);
    if (forgiven > 0) {
      bucket.failures = Math.max(0, bucket.failures - forgiven);
      bucket.at += forgiven * this.settings.refillMs;
    }
    if (bucket.failures === 0) {
      this.buckets.delete(address);
      return undefined;
    }
    return bucket;
  }

  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const bucket = this.settle(address);
    if (!bucket || bucket.failures < this.settings.burst) return 0;
    return Math.max(1, Math.ceil((bucket.at + this.settings.refillMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const bucket = this.settle(address);
    if (bucket) {
      bucket.failures = Math.min(this.settings.burst, bucket.failures + 1);
      // refresh its place, so the map drops the addresses quiet the longest
      this.buckets.delete(address);
      this.buckets.set(address, bucket);
      return;
    }
    this.buckets.set(address, { failures: 1, at: this.now() });
    if (this.buckets.size > this.settings.maxAddresses) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
