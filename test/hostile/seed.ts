/**
 * One seed per run, printed, so that a failure is reproducible: `FC_SEED=<seed> npm test`.
 * Runs are bounded in count and in time.
 */
export const SEED = Number(process.env['FC_SEED'] ?? Date.now() % 2_147_483_647);

export function report(suite: string, tried: number): void {
  console.log(`[property] ${suite}: ${tried} cases tried, seed ${SEED} (reproduce with FC_SEED=${SEED})`);
}
