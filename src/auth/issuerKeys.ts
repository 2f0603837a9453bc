import type { JWTVerifyGetKey } from 'jose';
import { discoverKeys } from './discoverKeys.js';

/** The issuer's signing keys as the gateway holds them: loaded in the background, looked for again on demand. */
export interface IssuerKeys {
  readonly keys: JWTVerifyGetKey;
  /** Whether tokens can be checked now. */
  loaded(): boolean;
  /** Looks for the keys again in the background while they are not loaded (readiness calls it); at most one look at a time. */
  retry(): void;
}

export interface IssuerKeysOptions {
  /** Keys given by the caller, or dev mode's own: loaded from the start, never discovered. */
  readonly given?: JWTVerifyGetKey | undefined;
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly onFetch?: ((ok: boolean) => void) | undefined;
  readonly log: (message: string) => void;
  readonly warn: (message: string) => void;
}

/**
 * The keys of `issuer`, read from its discovery document and JWKS now, in the background: the log says
 * whether the issuer can be used, and why not; the gateway serves anonymous callers meanwhile and tokens
 * get 503 until it can.
 */
export function issuerKeys(issuer: string, options: IssuerKeysOptions): IssuerKeys {
  if (options.given !== undefined) return { keys: options.given, loaded: () => true, retry: () => undefined };
  const discovered = discoverKeys(issuer, { timeoutMs: options.timeoutMs, cooldownMs: options.cooldownMs, onFetch: options.onFetch });
  let loaded = false;
  let looking = false;
  discovered.load().then(
    (count) => {
      loaded = true;
      options.log(`issuer ${issuer}: ${count} signing key(s) loaded`);
    },
    (error: unknown) => options.warn(`issuer ${issuer} cannot be used yet: ${(error as Error).message}; tokens are answered 503 until it can`),
  );
  return {
    keys: discovered,
    loaded: () => loaded,
    retry() {
      if (loaded || looking) return;
      looking = true;
      discovered
        .load()
        .then(
          () => void (loaded = true),
          () => undefined,
        )
        .finally(() => void (looking = false));
    },
  };
}
