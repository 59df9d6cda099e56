#!/usr/bin/env bash
# Records a new generation of the replay corpus from the current workflow code:
#
#   npm run record-histories -- <name>        e.g. npm run record-histories -- ledger-v2
#
# writes test/workflows/histories/<NNN>-<name>/ (NNN: the next number) by running the tests that
# record (RECORD_HISTORIES=<NNN>-<name>): every workflow type and path, i.e. full run, deletion,
# cancellation, failures, local judge, a worker killed mid-run, the GPU ledger across
# continue-as-new, a cancel by raw signal, an embedding job, the regression gate, NIMs shared by runs (one cancelled). It never touches an existing generation: it refuses a directory that exists,
# and a failed recording removes the directory it created. Then the replay test runs over
# every generation. Commit the new directory; never edit it afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DIR=test/workflows/histories
RECORDING_TESTS=(
  test/workflows/flywheel-run.e2e.test.ts
  test/workflows/cancellation.e2e.test.ts
  test/workflows/faults-and-budget.e2e.test.ts
  test/workflows/worker-crash.e2e.test.ts
  test/workflows/gpu-budget.test.ts
  test/workflows/temporal-status.e2e.test.ts
  test/workflows/embedding-job.e2e.test.ts
  test/decision/regression-gate.e2e.test.ts
  test/workflows/nim-sharing.e2e.test.ts
)

log() { printf '[record-histories] %s\n' "$*" >&2; }
die() { printf '[record-histories] ERROR: %s\n' "$*" >&2; exit 1; }

name="${1:-}"
[[ -n "$name" ]] || die "usage: npm run record-histories -- <name>  (lowercase letters, digits, '-')"
if [[ "$name" =~ ^[0-9]{3}-[a-z0-9][a-z0-9-]*$ ]]; then
  generation="$name"
elif [[ "$name" =~ ^[a-z0-9][a-z0-9-]*$ ]]; then
  last="$(find "$DIR" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | grep -E '^[0-9]{3}-' | sort | tail -1 | cut -c1-3)"
  generation="$(printf '%03d-%s' "$((10#${last:-0} + 1))" "$name")"
else
  die "'$name' is not a generation name: lowercase letters, digits and '-' (optionally prefixed NNN-)"
fi
target="$DIR/$generation"
[[ ! -e "$target" ]] || die "$target exists: generations are never re-recorded; pick a new name"

bash scripts/stack.sh up --headless
eval "$(bash scripts/stack.sh env)"

log "recording generation $generation"
if ! RECORD_HISTORIES="$generation" npx jest --runInBand "${RECORDING_TESTS[@]}"; then
  rm -rf "$target"
  die "a recording test failed; removed the partial $target"
fi
[[ -d "$target" ]] || die "the tests wrote no histories into $target"
log "recorded $(find "$target" -name '*.json' | wc -l) histories into $target:"
ls "$target" >&2

log "replaying every generation against the current code"
npx jest test/workflows/replay.test.ts
log "done: commit $target (git add $target)"
