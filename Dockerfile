# syntax=docker/dockerfile:1
# molt + the bundled example app. molt lives in /opt/molt, outside the app's git tree, so no app update can break
# the supervisor; the app is a git working tree in /app that molt updates in place; /app/data is the volume.
#
#   docker build -t molt-example .
#   docker run -d -p 3000:3000 -v molt-data:/app/data molt-example
#   docker build --build-arg APP_REPO=https://github.com/you/app.git --build-arg APP_BRANCH=main -t my-app .
#
# PID 1 is tini (started by the entrypoint), molt runs below it as the unprivileged user `molt`, the app below molt.

# Node 22 LTS: Node 20 reached end of life in April 2026 and some fastify plugin dependencies declare node >= 22.
# molt's suite runs on 20 and 22 (.ci/run).
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile molt, keep only production dependencies ------------------------------------------------------
FROM ${NODE_IMAGE} AS molt-build
# Toolchain only for native modules without a prebuilt binary (better-sqlite3); it never reaches the final image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/molt
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
# Compile src only (tests and benches are not shipped); src stays for the console's static assets.
RUN printf '{ "extends": "./tsconfig.json", "include": ["src/**/*.ts"] }\n' > tsconfig.build.json \
 && npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm tsconfig.build.json \
 && chmod 0755 dist/src/cli.js

# ---- app: the git working tree molt supervises ------------------------------------------------------------------
FROM molt-build AS app-build
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
ARG APP_REPO=""
ARG APP_BRANCH=main
COPY examples/app /tmp/example-app
# Either clone APP_REPO (its remote is where updates come from) or commit the bundled example as the first release.
# The bundled example gets a package.json + lockfile here (fastify and better-sqlite3 at molt's versions); `molt/sdk`
# resolves through /node_modules/molt in the runtime image, so the app never vendors the SDK.
RUN set -eux; \
    if [ -n "$APP_REPO" ]; then \
      git clone --branch "$APP_BRANCH" "$APP_REPO" /app; \
      printf 'node_modules/\ndata/\n' >> /app/.git/info/exclude; \
    else \
      cp -a /tmp/example-app /app; \
      node -e 'const m=require("/opt/molt/package.json").dependencies;require("fs").writeFileSync("/app/package.json",JSON.stringify({name:"molt-example-app",private:true,type:"module",dependencies:{fastify:m.fastify,"better-sqlite3":m["better-sqlite3"]}},null,2)+"\n")'; \
      (cd /app && npm install --package-lock-only --no-audit --no-fund); \
      git -C /app init -q -b "$APP_BRANCH"; \
      printf 'node_modules/\ndata/\n' >> /app/.git/info/exclude; \
      git -C /app add -A; \
      git -C /app -c user.name=molt -c user.email=molt@localhost commit -q -m "example app"; \
    fi; \
    cd /app; \
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
    elif [ -f package.json ]; then npm install --no-audit --no-fund; fi; \
    mkdir -p data

# ---- runtime -----------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends git tini ca-certificates openssh-client \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 molt \
 && useradd --system --uid 10001 --gid molt --home-dir /home/molt --create-home --shell /usr/sbin/nologin molt
COPY --from=molt-build /opt/molt /opt/molt
# `molt` on PATH for `docker exec <c> molt status`; `import 'molt/sdk'` from /app resolves via /node_modules/molt
# (Node walks up to /), so the app does not vendor the SDK and an app update cannot change it.
RUN ln -s /opt/molt/dist/src/cli.js /usr/local/bin/molt \
 && mkdir -p /node_modules && ln -s /opt/molt /node_modules/molt
COPY --from=app-build --chown=molt:molt /app /app
COPY --chmod=0755 entrypoint /usr/local/bin/molt-entrypoint

ENV MOLT_APP_DIR=/app \
    MOLT_DATA_DIR=/app/data \
    MOLT_APP_CMD="node server.mjs" \
    MOLT_SQLITE_PATHS=data/app.db \
    MOLT_PORT=3000 \
    MOLT_ADMIN_PORT=9000 \
    MOLT_HOME=/opt/molt \
    MOLT_USER=molt
WORKDIR /app
VOLUME ["/app/data"]
EXPOSE 3000 9000
# The supervisor's own health (GET /healthz on the admin port), not the app's: while the app restarts or updates,
# molt serves the holding page and the container is healthy. With the admin server off, the public port is probed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const a=process.env.MOLT_ADMIN_PORT||'9000';const u=a!=='0'?`http://127.0.0.1:${a}/healthz`:`http://127.0.0.1:${process.env.MOLT_PORT||3000}/`;fetch(u,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(a!=='0'&&!r.ok?1:0),()=>process.exit(1))"]
# Starts as root only to prepare /app/data ownership, then drops to `molt` (setpriv) and execs tini -> molt run.
ENTRYPOINT ["/usr/local/bin/molt-entrypoint"]
