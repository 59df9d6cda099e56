// Seeded, reproducible randomness. Everything the emulator decides "by chance" (fault rolls,
// student-model noise, ids) derives from the seed, so a run can be replayed exactly.

/** FNV-1a over the parts, as an unsigned 32-bit integer. */
export function hash32(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${String(part)}\u0000`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** A number in [0, 1) fixed by its parts: the same question always gets the same roll. */
export function unitHash(...parts: (string | number)[]): number {
  return mulberry32(hash32(...parts))();
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Ids shaped like NeMo's (`cust-` + 22 base62 characters), reproducible from the seed. */
export class IdGenerator {
  private next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(hash32('ids', seed));
  }
  id(prefix: string): string {
    let out = '';
    for (let i = 0; i < 22; i++) out += ALPHABET[Math.floor(this.next() * ALPHABET.length)];
    return `${prefix}-${out}`;
  }
}
