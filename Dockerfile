# The gateway in a container. CMD runs node itself (no npm, no shell), so `docker stop`'s SIGTERM reaches
# the gateway, which drains requests in flight (at most 10 s), closes Redis and exits. Configure it with OIDC_ISSUER, OIDC_AUDIENCE,
# REDIS_URL and a STEP_UP_CONFIG file; without OIDC_ISSUER and with NODE_ENV=production it refuses to start.
FROM node:24-slim
WORKDIR /app
COPY . .
# npm ci builds dist/ (the prepare script); the compiler and test tools are dropped afterwards.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
ENV NODE_ENV=production HOST=0.0.0.0
EXPOSE 4000
CMD ["node", "dist/src/main.js"]
