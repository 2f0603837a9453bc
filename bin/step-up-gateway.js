#!/usr/bin/env node
// `npx step-up-gateway policy …`: the compiled command-line entry (`npm run build` writes dist/).
await import('../dist/src/cli/main.js');
