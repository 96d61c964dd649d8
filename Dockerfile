# syntax=docker/dockerfile:1
# Build: compiles TypeScript and the native SQLite binding, then drops dev dependencies.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY gateway ./gateway
COPY migrations ./migrations
COPY policies ./policies
COPY admin ./admin
COPY scripts ./scripts
COPY openapi.yaml ./
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Run: no compiler, no sources, an unprivileged user, data in a volume.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/var/lib/callgate
WORKDIR /app
RUN groupadd --system callgate && useradd --system --gid callgate --home-dir /app callgate \
  && mkdir -p /var/lib/callgate && chown callgate:callgate /var/lib/callgate
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/policies ./policies
COPY --from=build --chown=root:root /app/openapi.yaml ./
USER callgate
VOLUME ["/var/lib/callgate"]
EXPOSE 8080 5060/udp 5060/tcp
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/gateway/src/cli.js"]
CMD ["serve"]
