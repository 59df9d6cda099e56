#!/usr/bin/env bash
# The replay corpus (test/workflows/histories/) is append-only: this check fails when a change
# modifies or deletes a history file that exists in the base commit. Adding files (a new
# generation) is fine, and so is moving a file unchanged (byte for byte).
#
#   scripts/check-histories.sh [BASE]
#
# BASE (or HISTORIES_BASE): the commit to compare with. Default: the merge base with `main`
# when on another branch, else the previous commit. Uncommitted changes count too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DIR=test/workflows/histories
log() { printf '[check-histories] %s\n' "$*" >&2; }

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  log "not a git checkout: nothing to compare $DIR with"; exit 0
fi

base="${1:-${HISTORIES_BASE:-}}"
if [[ -z "$base" ]]; then
  head="$(git rev-parse HEAD)"
  if git rev-parse --verify -q main >/dev/null && [[ "$(git merge-base HEAD main)" != "$head" ]]; then
    base="$(git merge-base HEAD main)"
  elif git rev-parse --verify -q HEAD~1 >/dev/null; then
    base=HEAD~1
  else
    log "no earlier commit: nothing to compare $DIR with"; exit 0
  fi
fi
git rev-parse --verify -q "$base^{commit}" >/dev/null || { log "ERROR: unknown base commit '$base'"; exit 2; }

# Exact renames (100% similar) are moves; anything else that touches an existing file is not.
changes="$(git diff --no-renames --name-status "$base" -- "$DIR" | grep -v '^A' || true)"
if [[ -n "$changes" ]]; then
  # a deletion that is half of an exact move is not a deletion
  moved="$(git diff -M100% --name-status "$base" -- "$DIR" | awk -F'\t' '$1 == "R100" { print "D\t" $2 }')"
  bad="$(grep -vxF -f <(printf '%s\n' "$moved") <<<"$changes" || true)"
  if [[ -n "$bad" ]]; then
    log "FAIL: recorded histories are append-only, but this change modifies or deletes some (vs $base):"
    sed 's/^M/  modified:/; s/^D/  deleted (or moved with changes):/; s/^T/  changed type:/' <<<"$bad" >&2
    log "record a new generation instead: npm run record-histories -- <name>"
    exit 1
  fi
fi
log "ok: no recorded history modified or deleted since $(git rev-parse --short "$base")"
