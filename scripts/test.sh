#!/usr/bin/env bash
# The test command: brings up the real local stack (headless), then lint, type-check and jest.
# Servers named by TEMPORAL_ADDRESS / ELASTICSEARCH_URL / MONGODB_URL are used instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash scripts/stack.sh up --headless
# helm, kubeconform and the Kubernetes schemas for the chart tests (cached in .tools/; the first
# build of helm takes minutes, better spent here than inside a jest timeout).
bash scripts/check-deploy.sh install
eval "$(bash scripts/stack.sh env)"

echo "== lint (biome) and type-check (tsc)"
npx biome check .
npx tsc --noEmit -p tsconfig.json

echo "== tests (jest, real servers)"
mkdir -p .stack
results=.stack/jest-results.json
rm -f "$results"
status=0
npx jest --json --outputFile="$results" "$@" || status=$?
# One plain closing line with the totals, whatever reporter jest used.
if [[ -s "$results" ]]; then
  node -e '
    const r = require(require("path").resolve(process.argv[1]));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
  ' "$results"
fi
exit "$status"
