# The federation gateway audit's run script for this gateway (graphql-hive/federation-gateway-audit,
# gateways/<id>/run.sh): the audit runs it from gateways/step-up-gateway with a test suite id.
# It fetches that suite's supergraph and serves it in dev mode on port 4000. STEP_UP_REPO: this repository.
set -e
npx tsx ../../src/cli.ts supergraph --cwd . --test "$1"
printf '{ "supergraph": "%s/supergraph.graphql" }\n' "$PWD" > config.json
cd "${STEP_UP_REPO:?set STEP_UP_REPO to the step-up-gateway repository}"
STEP_UP_CONFIG="$OLDPWD/config.json" PORT=4000 HOST=127.0.0.1 exec node --import tsx src/cli/main.ts serve
