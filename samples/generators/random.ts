// A small seeded PRNG (mulberry32) and helpers, so a generated sample set is the same for the
// same seed on every machine.

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  id(prefix: string, length = 8): string {
    let s = '';
    for (let i = 0; i < length; i++) s += '0123456789abcdefghijklmnopqrstuvwxyz'[this.int(0, 35)];
    return `${prefix}${s}`;
  }
}

export interface SampleContext {
  random: Random;
  /** 0-based position of the record in the set. */
  index: number;
  /** Epoch seconds of this record. */
  time: number;
  clientId: string;
}

/** The timestamp in one of the forms applications log: epoch seconds (most), epoch millis, ISO. */
export function loggedTimestamp(random: Random, seconds: number): number | string {
  const form = random.next();
  if (form < 0.8) return seconds;
  if (form < 0.9) return seconds * 1000 + random.int(0, 999);
  return new Date(seconds * 1000).toISOString();
}

export function completion(random: Random, seconds: number, model: string, message: Record<string, unknown>) {
  const hasCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
  const prompt = random.int(80, 900);
  const completionTokens = random.int(5, 180);
  return {
    id: random.id('chatcmpl-', 24),
    object: 'chat.completion',
    created: seconds,
    model,
    choices: [{ index: 0, message, finish_reason: hasCalls ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens },
  };
}
