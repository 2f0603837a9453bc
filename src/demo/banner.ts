import { effectiveLevel, nominalLevel, type Ladder } from '../stepup/ladder.js';

/**
 * What the demo's banner says about the session, computed in the browser from the ID token's `acr` and
 * `auth_time` with the gateway's own ladder and decay rule (`effectiveLevel`), so it says what the gateway
 * will decide: "signed in 3 months ago: sensitive actions will ask you to confirm it is you".
 */
export interface SessionBanner {
  /** `decayed`: the sign-in was strong but is now too old for its level; `fresh`: it still counts in full. */
  readonly kind: 'fresh' | 'decayed';
  readonly text: string;
  /** The level the gateway gives the token now (`LOW`, …); undefined when none. */
  readonly level: string | undefined;
  /** The level the sign-in reached when it happened. */
  readonly nominal: string | undefined;
}

export function sessionBanner(ladder: Ladder, claims: { readonly acr?: unknown; readonly auth_time?: unknown }, now: number): SessionBanner {
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : undefined;
  const nominal = nominalLevel(ladder, acr);
  const effective = effectiveLevel(ladder, { acr, authTime }, now);
  const when = authTime === undefined ? 'at an unknown time' : ago(now - authTime);
  if (nominal !== undefined && (effective === undefined || effective.rank < nominal.rank)) {
    return { kind: 'decayed', text: `Signed in ${when}: sensitive actions will ask you to confirm it is you.`, level: effective?.name, nominal: nominal.name };
  }
  const left = nominal?.maxAge === undefined || authTime === undefined ? undefined : authTime + nominal.maxAge - now;
  const text = left === undefined ? `Signed in ${when}.` : `Signed in ${when}: ${nominal!.name} for another ${duration(left)}.`;
  return { kind: 'fresh', text, level: effective?.name, nominal: nominal?.name };
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 days ago", "3 months ago", "2 years ago". */
export function ago(seconds: number): string {
  if (seconds < 5) return 'just now';
  return `${duration(seconds)} ago`;
}

/** A rough human duration: days and more in one unit; hours with their minutes, minutes with their seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const day = 86_400;
  if (s >= 365 * day) return plural(Math.floor(s / (365 * day)), 'year');
  if (s >= 60 * day) return plural(Math.round(s / (30 * day)), 'month');
  if (s >= 2 * day) return plural(Math.floor(s / day), 'day');
  if (s >= 2 * 3600) return s % 3600 < 60 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return s % 60 === 0 || s >= 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
