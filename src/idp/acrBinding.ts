/**
 * What the embedded provider adds to oidc-provider so that `acr` means something: the level a request
 * earns is what the user did in it, and `acr_values` binds (RFC 9470 §5).
 */
import Provider, { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

/** The InCommon IAP levels the gateway's default ladder uses, weakest first. */
export const ACR = Object.freeze({
  bronze: 'urn:mace:incommon:iap:bronze',
  silver: 'urn:mace:incommon:iap:silver',
  gold: 'urn:mace:incommon:iap:gold',
});
export const LADDER: readonly string[] = [ACR.bronze, ACR.silver, ACR.gold];
export const acrRank = (acr: string | undefined): number => (acr === undefined ? -1 : LADDER.indexOf(acr));

/**
 * The default policy plus an `acr_values` check in the login prompt (RFC 9470 §5).
 *
 * Requested level: the first value of `acr_values` this provider knows (the list is in order of
 * preference); unknown values are skipped; a higher level satisfies a lower one. When no listed value
 * is known the request fails at once with `unmet_authentication_requirements`, instead of asking the
 * user for something that can never satisfy it. When the user did authenticate in this interaction and
 * still falls short, it fails the same way, so it can never loop.
 *
 * With `prompt=none` an unmet level ends as `login_required`, like any other login check.
 * `max_age` keeps oidc-provider's own `max_age` check, which compares it with the session's loginTs.
 */
export function interactionPolicyWithAcrBinding() {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.add(
    new interactionPolicy.Check(
      'acr_values_unmet',
      'the requested authentication context class requires End-User authentication',
      'login_required',
      (ctx) => {
        const required = requiredRank(ctx.oidc.params!['acr_values']);
        if (required === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        if (acrRank(acrOfThisRequest(ctx)) >= required) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        if (ctx.oidc.result?.login) {
          throw new errors.UnmetAuthenticationRequirements(`the authentication performed does not reach ${LADDER[required]}`);
        }
        return interactionPolicy.Check.REQUEST_PROMPT;
      },
      (ctx) => ({ acr_values: ctx.oidc.params!['acr_values'] }),
    ),
  );
  return policy;
}

/** The rank of the level `acr_values` asks for; undefined when it asks for none. Throws when it asks only for unknown ones. */
export function requiredRank(acrValues: unknown): number | undefined {
  if (typeof acrValues !== 'string' || acrValues.trim() === '') return undefined;
  const known = acrValues
    .split(' ')
    .map(acrRank)
    .filter((rank) => rank >= 0);
  if (known.length === 0) {
    throw new errors.UnmetAuthenticationRequirements(`none of the requested acr_values is supported; supported values: ${LADDER.join(' ')}`);
  }
  return known[0];
}

/**
 * The acr this authorization request earns: what the user did in this interaction (the provider put
 * it on the session when the interaction ended), or bronze when only the session cookie was used.
 */
function acrOfThisRequest(ctx: KoaContextWithOIDC): string | undefined {
  const { session, result } = ctx.oidc;
  if (!session?.accountId) return undefined;
  return result?.login ? session.acr : ACR.bronze;
}

/**
 * oidc-provider stamps codes and ID tokens with `ctx.oidc.acr` / `ctx.oidc.amr`, which read the
 * session, i.e. the last login however long ago. When this request authenticated no one (single
 * sign-on on the cookie), shadow them with bronze and no amr just before the response is built.
 * `auth_time` stays the session's login time: it only moves when the user authenticates.
 */
export function wireAcrOfThisRequest(provider: Provider): void {
  provider.on('authorization.accepted', (ctx) => {
    if (ctx.oidc.result?.login) return;
    Object.defineProperties(ctx.oidc, {
      acr: { value: ACR.bronze, configurable: true },
      amr: { value: undefined, configurable: true },
    });
  });
}
