#!/usr/bin/env node
// The package ships TypeScript; tsx loads it. `npx step-up-gateway policy …`
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
