# marketfeed in a container: `docker build -t marketfeed .`, then any command, e.g.
#   docker run --rm -v $PWD/data:/data marketfeed record --venue binance --symbols BTC/USDT --data-dir /data
# (compose.yaml runs recorders, serve, a sink, NATS and PostgreSQL together).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# data, the NATS outbox spool and live files live here; mount a volume
VOLUME /data
# serve's dashboard/REST/relay and the metrics WebSocket
EXPOSE 8765 8766
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["record", "--sim", "--data-dir", "/data"]
