import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// A test double shares no code with the system it tests: every relative import of the
// emulator stays inside nemo-emulator/ (packages from node_modules are fine).

const ROOT = path.resolve(__dirname, '../../nemo-emulator');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

test('the emulator imports nothing from Flywheel', () => {
  const escapes: string[] = [];
  for (const file of sources(ROOT)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from\s+'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1] as string);
      if (!target.startsWith(`${ROOT}${path.sep}`)) escapes.push(`${path.relative(ROOT, file)} → ${match[1]}`);
    }
  }
  expect(sources(ROOT).length).toBeGreaterThan(20);
  expect(escapes).toEqual([]);
});
