# The gateway in a container. CMD runs node itself (no npm, no shell), so `docker stop`'s SIGTERM reaches
# the gateway, which drains requests in flight (at most 10 s), closes Redis and exits. Configure it with OIDC_ISSUER, OIDC_AUDIENCE,
# REDIS_URL and a STEP_UP_CONFIG file; without OIDC_ISSUER and with NODE_ENV=production it refuses to start.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
EXPOSE 4000
ENV HOST=0.0.0.0
CMD ["node", "--import", "tsx", "src/main.ts"]
