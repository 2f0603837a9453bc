/** Prints a gold token of the bench issuer: `npx tsx bench/mint.ts`, for profiling by hand. */
import { mintToken, readKeys } from './keys.js';

console.log(await mintToken(readKeys(), { sub: 'alice', acr: 'gold', authAge: 0, ttl: 3600 }));
