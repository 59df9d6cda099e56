#!/usr/bin/env node

// The `flywheel` command. From a clone (after `npm ci`) it runs the TypeScript sources through
// tsx; an install without dev dependencies runs the compiled build (`npm run build` → dist/).
const path = require('node:path');

let cli;
try {
  require.resolve('tsx/cjs/api');
  require('tsx/cjs/api').register();
  cli = require(path.join(__dirname, '..', 'cli', 'main.ts'));
} catch (err) {
  if (err && err.code !== 'MODULE_NOT_FOUND') throw err;
  cli = require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
}
cli.main(process.argv.slice(2));
