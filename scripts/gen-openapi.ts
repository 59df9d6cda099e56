import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { committedOpenApiText } from '../api/openapi-document';

// Regenerates docs/openapi.json from the API's zod schemas: `npx tsx scripts/gen-openapi.ts`.
// A test fails while the committed copy differs from what the code produces.
const root = path.resolve(__dirname, '..');
const file = path.join(root, 'docs', 'openapi.json');
writeFileSync(file, committedOpenApiText());
// Formatted as the linter wants it, so `biome check .` stays clean after regenerating.
execFileSync(path.join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', file], { stdio: 'ignore' });
console.log(`wrote ${path.relative(process.cwd(), file)}`);
