# One image for every role; docker-compose.yml picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json config.ts ./
COPY domain ./domain
COPY storage ./storage
COPY image-data ./image-data
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY worker ./worker
COPY migrations ./migrations
USER node
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["worker/api.ts"]
