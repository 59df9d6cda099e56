# syntax=docker/dockerfile:1.7
# One image for every Flywheel process; the first argument picks which one runs:
#
#   docker run IMAGE api        # Hono API on $FLYWHEEL_API_PORT (8000)
#   docker run IMAGE worker     # Temporal worker (prebuilt workflow bundle, no webpack at start)
#   docker run IMAGE emulator   # NeMo emulator on 8700 (dev and demo only; --time-scale etc. follow)
#   docker run IMAGE flywheel jobs list   # the CLI (FLYWHEEL_API_URL / token from the environment)
#
# Anything else is run as a command, e.g. `docker run IMAGE node -e '...'`.
# Build: docker build -t flywheel .

# Node 24, the Active LTS (Node 20 reached end of life on 2026-04-30), pinned by digest so a
# rebuild gets the same base: the tag is for people, the digest is what Docker pulls. Refresh
# deliberately (a new Node 24 patch, Debian security fixes) with
#   docker buildx imagetools inspect node:24-bookworm-slim --format '{{json .Manifest.Digest}}'
# and keep the tag's major in step with package.json "engines" and the Node the image test runs on.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# ---- production dependencies only (no dev tools in the final image)
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# The Temporal core bridge ships native binaries for five platforms plus its Rust sources
# (~160 MB); keep only the binary this image's platform loads.
RUN node <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const dir = path.dirname(require.resolve('@temporalio/core-bridge/package.json'));
const keep = require(path.join(dir, 'common.js')).getPrebuiltTargetName();
for (const target of fs.readdirSync(path.join(dir, 'releases'))) {
  if (target !== keep) fs.rmSync(path.join(dir, 'releases', target), { recursive: true });
}
for (const sources of ['sdk-core', 'src']) fs.rmSync(path.join(dir, sources), { recursive: true, force: true });
require('@temporalio/core-bridge'); // fails the build if the kept binary does not load
EOF

# ---- compile TypeScript and prebuild the workflow bundle
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && node dist/scripts/build-workflow-bundle.js --out dist/workflow-bundle.js

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX: glibc gives each thread that allocates (the Temporal core's, libuv's) an
# arena of its own, and their fragmentation is RSS no JS heap accounts for. With 2 arenas a
# worker's peak RSS in the 300-run burst was 885 MB against 958 and 1,025 MB with glibc's
# default (docs/benchmarks.md, issue 20); its JS heap was the same.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    FLYWHEEL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    FLYWHEEL_CONFIG=/app/config/flywheel.yaml \
    FLYWHEEL_CONFIG_DIR=/app/config/named \
    FLYWHEEL_API_HOST=0.0.0.0 \
    FLYWHEEL_API_PORT=8000
WORKDIR /app

COPY --chmod=0755 <<'EOF' /usr/local/bin/flywheel-entrypoint
#!/bin/sh
# exec replaces this shell, so node runs as PID 1 and receives SIGTERM itself (graceful shutdown).
set -e
cmd="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  api) exec node /app/dist/api/main.js "$@" ;;
  worker) exec node /app/dist/worker/main.js "$@" ;;
  # listens on every interface unless --host is given again (the last one wins)
  emulator) exec node /app/dist/nemo-emulator/main.js --host 0.0.0.0 "$@" ;;
  flywheel) exec node /app/bin/flywheel.js "$@" ;;
  *) exec "$cmd" "$@" ;;
esac
EOF

COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin/flywheel.js ./bin/flywheel.js
COPY config/flywheel.yaml ./config/flywheel.yaml
COPY config/named ./config/named

# The node image's unprivileged user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8000 8700
ENTRYPOINT ["flywheel-entrypoint"]
CMD ["api"]
