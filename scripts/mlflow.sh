#!/usr/bin/env bash
# The MLflow tracking server (PyPI `mlflow`), in a venv of its own under the tools dir (cached).
# uv installs it: mlflow brings ~90 packages, which pip takes minutes for and uv seconds.
#
#   bash scripts/mlflow.sh install                 no-op when the pinned version is installed
#   bash scripts/mlflow.sh serve PORT STATE_DIR    runs the server in the foreground (exec) on
#                                                  127.0.0.1:PORT, storing into STATE_DIR
#                                                  (sqlite database and artifact files)
#   bash scripts/mlflow.sh bin                     prints the mlflow executable's path
#
# scripts/stack.sh up --mlflow (or FLYWHEEL_MLFLOW=1) runs one for the local stack; the MLflow
# end-to-end test starts its own through `serve`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${FLYWHEEL_TOOLS_DIR:-$ROOT/.tools}"
MLFLOW_VERSION=3.17.2
UV_VERSION=0.13.8
VENV="$TOOLS/mlflow-venv"
MLFLOW="$VENV/bin/mlflow"

die() { printf '[mlflow] ERROR: %s\n' "$*" >&2; exit 1; }

installed() {
  [[ -x "$MLFLOW" ]] && [[ "$(cat "$VENV/.mlflow-version" 2>/dev/null)" == "$MLFLOW_VERSION" ]]
}

install() {
  installed && return 0
  command -v python3 >/dev/null || die "python3 is required for the MLflow server"
  local start=$SECONDS
  printf '[mlflow] installing mlflow==%s into %s (uv %s)\n' "$MLFLOW_VERSION" "$VENV" "$UV_VERSION" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION" || die "pip install uv failed"
  UV_CACHE_DIR="$TOOLS/uv-cache" "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" \
    "mlflow==$MLFLOW_VERSION" || die "uv pip install mlflow==$MLFLOW_VERSION failed"
  [[ -x "$MLFLOW" ]] || die "mlflow installed but $MLFLOW is missing"
  echo "$MLFLOW_VERSION" >"$VENV/.mlflow-version"
  printf '[mlflow] installed in %ss\n' "$((SECONDS - start))" >&2
}

case "${1:-install}" in
  install) install ;;
  bin) echo "$MLFLOW" ;;
  serve)
    port="${2:?usage: $0 serve PORT STATE_DIR}"
    state="${3:?usage: $0 serve PORT STATE_DIR}"
    install
    mkdir -p "$state/artifacts"
    state="$(cd "$state" && pwd)"
    # One worker: a local server for one developer or one test. No telemetry leaves the machine.
    # No job runner: MLflow 3 otherwise starts seven huey consumer processes (for its GenAI
    # scoring jobs, which tracking does not use), each importing mlflow, which slows the start
    # to minutes on a busy machine.
    export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
    exec "$MLFLOW" server --host 127.0.0.1 --port "$port" --workers 1 \
      --backend-store-uri "sqlite:///$state/mlflow.db" \
      --default-artifact-root "$state/artifacts"
    ;;
  *) die "usage: $0 install | serve PORT STATE_DIR | bin" ;;
esac
