// Seeded randomness for tests: the emulator's mulberry32 (one generator in the tree), so every
// scenario's random points repeat per seed.
export { mulberry32 as seededRandom } from '../../nemo-emulator/runtime/rng';

/** A uniform value in [min, max). */
export const between = (rand: () => number, min: number, max: number) => min + rand() * (max - min);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
