import { mulberry32 } from '../runtime/rng';

// The emulator's GSM8K stand-in: grade-school word problems of two to four steps, with the
// reference answer in GSM8K's form (working, then `#### <number>`). Generated from a fixed seed,
// so every run (like the real test split) sees the same items in the same order. The answer is
// only ever read by the Evaluator's scoring; the emulated models see the question alone.

export interface Gsm8kItem {
  question: string;
  answer: string;
}

const NAMES = ['Mia', 'Omar', 'Lena', 'Ravi', 'Sofia', 'Jonas', 'Aiko', 'Bruno', 'Chloe', 'Diego'];
const NOUNS = ['marbles', 'stickers', 'apples', 'pencils', 'stamps', 'shells', 'cookies', 'coins'];
const ITEMS = 120;

let cache: Gsm8kItem[] | undefined;

export function gsm8kItems(): Gsm8kItem[] {
  cache ??= Array.from({ length: ITEMS }, (_, i) => generate(i));
  return cache;
}

function generate(index: number): Gsm8kItem {
  const rnd = mulberry32(8_000 + index);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const name = pick(NAMES);
  const noun = pick(NOUNS);
  let value = int(3, 40);
  const sentences = [`${name} has ${value} ${noun}.`];
  const working = [`${name} starts with ${value}.`];
  const steps = int(2, 4);
  for (let s = 0; s < steps; s++) {
    const kind = pick(['add', 'add', 'sub', 'mul', 'div'] as const);
    if (kind === 'add') {
      const n = int(2, 30);
      sentences.push(`Then ${name} buys ${n} more ${noun}.`);
      working.push(`${value} + ${n} = ${value + n}.`);
      value += n;
    } else if (kind === 'sub' && value > 2) {
      const n = int(1, value - 1);
      sentences.push(`Then ${name} gives away ${n} ${noun}.`);
      working.push(`${value} - ${n} = ${value - n}.`);
      value -= n;
    } else if (kind === 'mul' && value <= 60) {
      const n = int(2, 3);
      sentences.push(`Then the number of ${noun} ${name} has ${n === 2 ? 'doubles' : 'triples'}.`);
      working.push(`${value} * ${n} = ${value * n}.`);
      value *= n;
    } else {
      const divisors = [2, 3, 4, 5].filter((d) => value % d === 0 && value / d >= 1);
      if (divisors.length === 0) {
        const n = int(2, 12);
        sentences.push(`Then ${name} finds ${n} more ${noun}.`);
        working.push(`${value} + ${n} = ${value + n}.`);
        value += n;
        continue;
      }
      const d = pick(divisors);
      sentences.push(`Then ${name} splits the ${noun} equally into ${d} boxes and keeps one box.`);
      working.push(`${value} / ${d} = ${value / d}.`);
      value /= d;
    }
  }
  sentences.push(`How many ${noun} does ${name} have now?`);
  return { question: sentences.join(' '), answer: `${working.join(' ')}\n#### ${value}` };
}
