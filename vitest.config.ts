import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // graphql 16 ships index.mjs beside index.js; Node loads index.js for everyone, Vite would hand
  // our code the .mjs copy and the dependencies the .js one ("Cannot use GraphQLObjectType from
  // another module or realm"). Resolve it the way Node does.
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
