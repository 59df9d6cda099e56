#!/usr/bin/env bash
# Deployment checks: the Helm chart and the Docker Compose file, without a cluster or a Docker
# engine. Tools are installed into .tools/ from package registries (cached; second run is free).
#
#   scripts/check-deploy.sh install   helm, kubeconform, Kubernetes JSON schemas, compose loader
#   scripts/check-deploy.sh chart     helm lint + template per scenario, kubeconform --strict,
#                                     and values files that must be rejected by the schema
#   scripts/check-deploy.sh compose [F]  docker compose config (or compose-go's loader) on
#                                     temporal-dev.yaml (or F); prints the normalized YAML
#   scripts/check-deploy.sh render F  helm template with values file F (- for defaults)
#   scripts/check-deploy.sh validate   kubeconform --strict on the manifests on stdin
#   scripts/check-deploy.sh all       install, chart, compose (default)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${FLYWHEEL_TOOLS_DIR:-$ROOT/.tools}"
BIN="$TOOLS/bin"
CHART="$ROOT/charts/flywheel"
COMPOSE_FILE="$ROOT/temporal-dev.yaml"

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
# kubernetes-validate (PyPI) ships the Kubernetes JSON schemas (plain and strict) for 1.25-1.37.
K8S_SCHEMAS_PACKAGE_VERSION=1.37.0
# Validated against the oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest.
K8S_VERSIONS="${FLYWHEEL_K8S_VERSIONS:-1.29.0 1.37.0}"
COMPOSE_GO_DIR="$ROOT/test/deploy/compose-config"
# Custom resources the chart renders (KEDA ScaledObject/TriggerAuthentication, prometheus-operator
# ServiceMonitor): their CRDs come from the projects' Go modules, turned into strict JSON schemas.
KEDA_MODULE=github.com/kedacore/keda/v2@v2.21.0
PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator@v0.85.0

HELM="$BIN/helm-$HELM_VERSION"
KUBECONFORM="$BIN/kubeconform-$KUBECONFORM_VERSION"
COMPOSE_CONFIG="$BIN/compose-config"
SCHEMAS="$TOOLS/k8s-json-schema-$K8S_SCHEMAS_PACKAGE_VERSION"
CRD_SCHEMAS="$TOOLS/crd-json-schema-keda-${KEDA_MODULE##*@}-prom-${PROMETHEUS_OPERATOR_MODULE##*@}"

log() { printf '[check-deploy] %s\n' "$*" >&2; }
die() { printf '[check-deploy] ERROR: %s\n' "$*" >&2; exit 1; }
timed() { # label cmd...: runs cmd, logs how long it took
  local label="$1" start=$SECONDS; shift
  "$@"
  log "$label took $((SECONDS - start)) s"
}

# ---------------------------------------------------------------- install

go_install() { # binary module/path@version [ldflags]
  local out="$1" pkg="$2" ldflags="${3:-}"
  command -v go >/dev/null || die "Go is required to build ${pkg%@*} (Go module proxy)"
  local gobin; gobin="$(mktemp -d "$TOOLS/gobin.XXXXXX")"
  CGO_ENABLED=0 GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -trimpath" go install -ldflags "-s -w $ldflags" "$pkg" \
    || { rm -rf "$gobin"; die "go install $pkg failed"; }
  mv "$gobin/$(basename "${pkg%@*}")" "$out" && rm -rf "$gobin"
}

install_helm() {
  [[ -x "$HELM" ]] && return
  log "building helm $HELM_VERSION from the Go module proxy (first time only, ~3 min)"
  # What helm's Makefile stamps in: its version, and the Kubernetes version its client-go
  # (v0.37 -> 1.37) implies, which `helm template` reports as .Capabilities.KubeVersion.
  local ld="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  local k
  for k in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ld+=" -X $k.k8sVersionMajor=1 -X $k.k8sVersionMinor=37"
  done
  timed "helm build" go_install "$HELM" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$ld"
}

install_kubeconform() {
  [[ -x "$KUBECONFORM" ]] && return
  log "building kubeconform $KUBECONFORM_VERSION from the Go module proxy"
  timed "kubeconform build" go_install "$KUBECONFORM" "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
}

install_schemas() {
  local v missing=()
  for v in $K8S_VERSIONS; do [[ -f "$SCHEMAS/v$v-local-strict/deployment-apps-v1.json" ]] || missing+=("$v"); done
  [[ ${#missing[@]} -eq 0 ]] && return
  command -v python3 >/dev/null || die "python3 is required to fetch the Kubernetes JSON schemas (PyPI)"
  log "fetching Kubernetes JSON schemas (PyPI kubernetes-validate==$K8S_SCHEMAS_PACKAGE_VERSION) for ${missing[*]}"
  local dl="$TOOLS/downloads"
  local wheel="$dl/kubernetes_validate-$K8S_SCHEMAS_PACKAGE_VERSION-py3-none-any.whl"
  mkdir -p "$dl"
  # the stack's venv pip when there is one (Debian's python3 may come without pip)
  local pip=(python3 -m pip)
  [[ -x "$TOOLS/venv/bin/pip" ]] && pip=("$TOOLS/venv/bin/pip")
  if [[ ! -s "$wheel" ]]; then
    timed "schema download" "${pip[@]}" download --quiet --disable-pip-version-check --no-deps \
      --only-binary=:all: -d "$dl" "kubernetes-validate==$K8S_SCHEMAS_PACKAGE_VERSION" \
      || die "pip download kubernetes-validate==$K8S_SCHEMAS_PACKAGE_VERSION failed"
  fi
  # Only the strict schemas of the versions checked (~3 MB each) leave the wheel. They carry
  # https://kubernetes.io/... $ids and absolute $refs to /api/_definitions.json; made relative,
  # kubeconform resolves them from the files next to each schema instead of the network.
  python3 - "$wheel" "$SCHEMAS" "${missing[@]}" <<'PY'
import json, pathlib, sys, zipfile
wheel, dest, versions = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3:]
prefix = "kubernetes_validate/kubernetes-json-schema/"

def localize(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("/api/_definitions.json#"):
            node["$ref"] = ref[len("/api/"):]
        for value in node.values():
            localize(value)
    elif isinstance(node, list):
        for value in node:
            localize(value)
    return node

with zipfile.ZipFile(wheel) as z:
    for v in versions:
        folder = f"v{v}-local-strict"
        names = [n for n in z.namelist() if n.startswith(f"{prefix}{folder}/") and n.endswith(".json")]
        if not names:
            sys.exit(f"no schemas for Kubernetes {v} in {wheel}")
        tmp = dest / f"{folder}.partial"
        tmp.mkdir(parents=True, exist_ok=True)
        for n in names:
            schema = localize(json.loads(z.read(n)))
            (tmp / n.rsplit("/", 1)[1]).write_text(json.dumps(schema))
        tmp.rename(dest / folder)
PY
}

install_crd_schemas() {
  [[ -f "$CRD_SCHEMAS/keda.sh/scaledobject_v1alpha1.json" && -f "$CRD_SCHEMAS/monitoring.coreos.com/servicemonitor_v1.json" ]] && return
  command -v go >/dev/null || die "Go is required to fetch the KEDA and prometheus-operator CRDs (Go module proxy)"
  log "fetching CRDs ($KEDA_MODULE, $PROMETHEUS_OPERATOR_MODULE) from the Go module proxy"
  local keda prom
  keda="$(go mod download -json "$KEDA_MODULE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
    || die "go mod download $KEDA_MODULE failed"
  prom="$(go mod download -json "$PROMETHEUS_OPERATOR_MODULE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
    || die "go mod download $PROMETHEUS_OPERATOR_MODULE failed"
  # As kubeconform's openapi2jsonschema does in strict mode: an object that lists its
  # properties accepts no others, unless the CRD preserves unknown fields there. (Node and the
  # repository's yaml package: Debian's python3 has no YAML parser.)
  rm -rf "$CRD_SCHEMAS.partial"
  (cd "$ROOT" && node - "$CRD_SCHEMAS.partial" \
    "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
    "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" \
    "$prom/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml") <<'JS' \
    || die "converting the CRDs to JSON schemas failed"
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');
const [dest, ...files] = process.argv.slice(2);
const strict = (node) => {
  if (Array.isArray(node)) node.forEach(strict);
  else if (node && typeof node === 'object') {
    if (node.properties && !('additionalProperties' in node) && !node['x-kubernetes-preserve-unknown-fields']) {
      node.additionalProperties = false;
    }
    Object.values(node).forEach(strict);
  }
  return node;
};
for (const file of files) {
  const crd = parse(fs.readFileSync(file, 'utf8'));
  const dir = path.join(dest, crd.spec.group);
  fs.mkdirSync(dir, { recursive: true });
  for (const version of crd.spec.versions) {
    const out = path.join(dir, `${crd.spec.names.kind.toLowerCase()}_${version.name}.json`);
    fs.writeFileSync(out, JSON.stringify(strict(version.schema.openAPIV3Schema)));
  }
}
JS
  mv "$CRD_SCHEMAS.partial" "$CRD_SCHEMAS"
}

install_compose_config() {
  docker_compose_available && return
  [[ -x "$COMPOSE_CONFIG" && "$COMPOSE_CONFIG" -nt "$COMPOSE_GO_DIR/go.mod" && "$COMPOSE_CONFIG" -nt "$COMPOSE_GO_DIR/main.go" ]] && return
  command -v go >/dev/null || die "Go is required to build the compose loader (test/deploy/compose-config)"
  log "building the compose-go loader (test/deploy/compose-config)"
  mkdir -p "$BIN"
  (cd "$COMPOSE_GO_DIR" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$COMPOSE_CONFIG.partial" .) \
    || die "go build of test/deploy/compose-config failed"
  mv "$COMPOSE_CONFIG.partial" "$COMPOSE_CONFIG"
}

# Installs run under a lock: the deploy test files run in parallel and may both install.
with_install_lock() {
  mkdir -p "$BIN"
  exec 9>"$TOOLS/.check-deploy.lock"
  flock 9
  "$@"
  flock -u 9
  exec 9>&-
}

install_all() {
  mkdir -p "$BIN" "$SCHEMAS"
  install_helm
  install_kubeconform
  install_schemas
  install_crd_schemas
  install_compose_config
}

# ---------------------------------------------------------------- chart

# Scenarios live in charts/flywheel/ci/*-values.yaml (the chart-testing convention).
scenarios() { ls "$CHART"/ci/*-values.yaml; }

render() { # values-file|-  -> manifests on stdout
  local args=(template flywheel "$CHART" --namespace flywheel --kube-version "${K8S_VERSIONS##* }")
  [[ "$1" != "-" ]] && args+=(--values "$1")
  "$HELM" "${args[@]}"
}

kubeconform_strict() { # k8s-version < manifests
  "$KUBECONFORM" -strict -summary -output text -kubernetes-version "$1" \
    -schema-location "$SCHEMAS/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$CRD_SCHEMAS/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
}

check_chart() {
  local values name failed=0 out="$WORK"
  for values in $(scenarios); do
    name="$(basename "$values" -values.yaml)"
    log "scenario $name: helm lint"
    "$HELM" lint --strict "$CHART" --values "$values" --kube-version "${K8S_VERSIONS##* }" >"$out/lint.log" 2>&1 \
      || { cat "$out/lint.log" >&2; log "FAIL $name: helm lint"; failed=1; continue; }
    log "scenario $name: helm template"
    render "$values" >"$out/$name.yaml" 2>"$out/render.log" \
      || { cat "$out/render.log" >&2; log "FAIL $name: helm template"; failed=1; continue; }
    local v
    for v in $K8S_VERSIONS; do
      log "scenario $name: kubeconform --strict (Kubernetes $v)"
      kubeconform_strict "$v" <"$out/$name.yaml" >&2 || { log "FAIL $name: kubeconform (Kubernetes $v)"; failed=1; }
    done
  done
  # Every values file under test/deploy/bad-values must be refused, naming the offending field.
  for values in "$ROOT"/test/deploy/bad-values/*.yaml; do
    name="$(basename "$values" .yaml)"
    if render "$values" >/dev/null 2>"$out/bad.log"; then
      log "FAIL bad-values/$name: rendered, but the schema should have rejected it"; failed=1
    else
      log "bad-values/$name rejected: $(grep -m1 '^- at' "$out/bad.log" || head -1 "$out/bad.log")"
    fi
  done
  [[ $failed -eq 0 ]] || die "chart checks failed"
  log "chart: all scenarios lint, render and validate; bad values rejected"
}

# ---------------------------------------------------------------- compose

docker_compose_available() { command -v docker >/dev/null && docker compose version >/dev/null 2>&1; }

check_compose() { # [file]
  local file="${1:-$COMPOSE_FILE}"
  if docker_compose_available; then
    log "docker compose config (docker client's compose plugin)"
    docker compose -f "$file" config
  else
    log "no docker compose plugin here: loading with compose-go (the loader docker compose config uses)"
    "$COMPOSE_CONFIG" -f "$file"
  fi
}

validate_stdin() {
  local manifests v; manifests="$(cat)"
  for v in $K8S_VERSIONS; do kubeconform_strict "$v" <<<"$manifests" || return 1; done
}

# ---------------------------------------------------------------- main

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cmd="${1:-all}"
case "$cmd" in
  install) with_install_lock install_all ;;
  chart) with_install_lock install_all; check_chart ;;
  compose) with_install_lock install_compose_config; check_compose "${2:-}" ;;
  render) with_install_lock install_all; render "${2:?render needs a values file or -}" ;;
  validate) with_install_lock install_all; validate_stdin ;;
  all) with_install_lock install_all; check_chart; check_compose >/dev/null; log "compose: temporal-dev.yaml loads" ;;
  *) die "unknown command '$cmd' (install | chart | compose [FILE] | render FILE | validate | all)" ;;
esac
