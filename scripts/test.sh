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
# The MLflow tracking server for the MLflow end-to-end test (PyPI mlflow in a venv, installed
# with uv; the test runs it as a child process through scripts/mlflow.sh serve).
bash scripts/mlflow.sh install
# Prometheus for the metrics test (Debian package; the test runs it as a child process).
bash scripts/prometheus.sh install
# Debian's chromium for the decision report's browser test (playwright-core drives it; nothing
# downloads a browser of its own).
if [[ ! -x /usr/bin/chromium ]] && [[ -z "${CHROMIUM_PATH:-}" ]]; then
  echo "== installing chromium (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
eval "$(bash scripts/stack.sh env)"

echo "== lint (biome) and type-check (tsc)"
npx biome check .
npx tsc --noEmit -p tsconfig.json

echo "== recorded workflow histories are append-only"
bash scripts/check-histories.sh

echo "== tests (jest, real servers)"
mkdir -p .stack
results=.stack/jest-results.json
lts_results=.stack/jest-results-node-lts.json
rm -f "$results" "$lts_results"
# The image's Node LTS (the major of the Dockerfile's pinned base) also runs a lean subset: the
# image test (production build, workflow bundle, every process started through the entrypoint)
# and the token checks (hashing, constant-time comparison). npm's `node` package ships the
# binaries, so npx fetches that Node once (cached by npm). The image test runs only there.
lts_major="$(sed -nE 's/^ARG NODE_IMAGE=node:([0-9]+)-.*/\1/p' Dockerfile)"
LTS_TESTS=(test/deploy/image-build.test.ts test/api/tokens.test.ts)
status=0
if (($# == 0)); then
  npx jest --json --outputFile="$results" --testPathIgnorePatterns=test/deploy/image-build.test.ts || status=$?
  echo "== tests on Node $lts_major (the image's LTS): ${LTS_TESTS[*]}"
  npx -y -p "node@$lts_major" -- node node_modules/jest/bin/jest.js --json --outputFile="$lts_results" "${LTS_TESTS[@]}" ||
    status=$?
else
  npx jest --json --outputFile="$results" "$@" || status=$?
fi
# One plain closing line with the totals, whatever reporter jest used.
node -e '
  const fs = require("fs");
  const path = require("path");
  let passed = 0, failed = 0, skipped = 0, runs = 0;
  for (const file of process.argv.slice(1)) {
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) continue;
    const r = require(path.resolve(file));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests; runs++;
  }
  if (runs) console.log(`jest: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
' "$results" "$lts_results"
exit "$status"
