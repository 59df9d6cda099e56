// A small seeded generator (mulberry32) so every scenario's random points repeat per seed.
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform value in [min, max). */
export const between = (rand: () => number, min: number, max: number) => min + rand() * (max - min);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
