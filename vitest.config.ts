import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // graphql 16 ships index.mjs beside index.js; Node loads index.js for everyone, Vite would hand
  // our code the .mjs copy and the dependencies the .js one ("Cannot use GraphQLObjectType from
  // another module or realm"). Resolve it the way Node does.
  // `step-up-gateway` is the package's own source here, as tsconfig's paths say (the example imports it by name).
  resolve: {
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql') },
      { find: /^step-up-gateway$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^step-up-gateway\/client$/, replacement: fileURLToPath(new URL('./src/client/index.ts', import.meta.url)) },
      { find: /^step-up-gateway\/(.*)$/, replacement: fileURLToPath(new URL('./src/$1.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
