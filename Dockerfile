# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and bundle the dashboard's client (dist/web).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The postinstall step (patch-package) applies patches/ to node_modules.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
COPY web ./web
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies, compiled code, migrations and the default config.
# No TypeScript or tsx here: the tools run from dist/, e.g.
#   docker compose run --rm app npm run config:check -- config/aftercare.yaml
#   docker compose run --rm app npm run audit:verify        (or: node dist/src/cli/audit-verify.js)
#   docker compose run --rm app npm run discord:register
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
# build-if-changed.js (run before the npm scripts) finds no sources here and leaves dist/ alone.
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node migrations ./migrations
COPY --chown=node:node config ./config
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=4", "dist/src/main.js"]
