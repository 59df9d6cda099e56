#!/usr/bin/env bash
# Runs every benchmark in bench/*.ts against the local stack (or the servers named by
# ELASTICSEARCH_URL etc.). Each prints a table and writes bench/results/<name>.json.
#   npm run bench                       all benchmarks
#   npm run bench -- dataset-build      only the named ones
#   BENCH_SIZES=10000,100000 npm run bench
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

eval "$(bash scripts/stack.sh env)"
mkdir -p bench/results

if [[ $# -gt 0 ]]; then
  benches=()
  for name in "$@"; do benches+=("bench/${name%.ts}.ts"); done
else
  benches=(bench/*.ts)
fi

status=0
for bench in "${benches[@]}"; do
  [[ -f "$bench" ]] || { echo "no such benchmark: $bench" >&2; status=1; continue; }
  echo "== $(basename "$bench" .ts)"
  npx tsx "$bench" || status=$?
done
exit "$status"
