#!/usr/bin/env bash
# The demo: brings up the local stack with the Temporal Web UI, then runs a flywheel end to end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env)"
npx tsx scripts/demo.ts "$@"
