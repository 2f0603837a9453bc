/**
 * The SDL of `scalar ACRValue`, `directive @isAuthenticated` and `enum StepUpImpossible`: the one
 * definition of the directive, added to every graph the gateway serves (a graph may also declare it
 * itself, identically). Kept as a string so that the compiled package needs no file beside its code.
 */
export const STEP_UP_TYPE_DEFS = `"""
A level of the ACR ladder, written by its name (LOW, MEDIUM, HIGH by default). The gateway maps each
level to the \`acr\` string its OpenID Provider issues and ranks levels by the ladder, never lexically.
A name the ladder does not have stops the gateway at start-up.
"""
scalar ACRValue @specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc9470#section-3")

"""
The authentication a caller needs to resolve this field, or every field of this type and every field
that returns it. Without arguments: any valid access token. \`acrValue\`: the token's effective level
(its \`acr\`, decayed by age) must reach this level. \`maxAge\`: the authentication (\`auth_time\`) must be
at most this many seconds old; it overrides the level's default max age. \`once\`: an authentication
serves one execution of the field only; the next one needs a fresh authentication (a transaction's
step-up). Requirements on a field and on its types combine to the stricter. An unmet requirement
answers with STEP_UP_REQUIRED and an RFC 9470 challenge.
"""
directive @isAuthenticated(
  acrValue: ACRValue
  maxAge: Int
  once: Boolean = false
  "What to do when the user cannot step up (the token's can_reauthenticate claim is false)."
  ifCannotReauthenticate: StepUpImpossible = REFUSE
) on FIELD_DEFINITION | OBJECT

"For users who cannot step up, such as those with no second factor enrolled."
enum StepUpImpossible {
  "Refuse with STEP_UP_IMPOSSIBLE (HTTP 403 before execution): asking them to step up would be a dead end."
  REFUSE
  "Resolve the field anyway: the schema author accepts the weaker authentication for these users."
  ALLOW
}
`;
