#!/usr/bin/env bash
# Prometheus for the metrics test: Debian's `prometheus` package (the test starts it itself, as
# a child process on loopback with a generated config; nothing here runs it as a service).
#   bash scripts/prometheus.sh install   # no-op when it is already installed
set -euo pipefail

case "${1:-install}" in
  install)
    if command -v prometheus >/dev/null || [[ -x /usr/bin/prometheus ]]; then exit 0; fi
    if ! command -v apt-get >/dev/null; then
      echo "prometheus is missing and apt-get is not available: install Prometheus and put it on PATH (or set PROMETHEUS_BIN)" >&2
      exit 1
    fi
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "== installing prometheus (Debian package)"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
