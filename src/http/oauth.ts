/**
 * The resource-server side of MCP's authorization (specification
 * 2025-11-25): the gateway as an OAuth 2.1 protected resource whose access
 * tokens are JWTs of one configured issuer. This module is what the HTTP
 * server needs on every request, and nothing heavy: the settings, the
 * `OAuth` service's tag (the verifier itself, on `jose`, is `http/jwt`,
 * loaded only when an issuer is configured), the Protected Resource
 * Metadata document (RFC 9728) and where it is served, the challenges
 * (RFC 6750 §3), and why a token is refused.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

/**
 * The signature algorithms accepted by default: asymmetric only (never
 * `none`, never an HMAC, whose key would be the issuer's public key).
 *
 * @since 0.1.0
 */
export const DEFAULT_ALGORITHMS: ReadonlyArray<string> = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519"
]

/** The clock skew allowed on `exp` and `nbf` (ms). @since 0.1.0 */
export const DEFAULT_CLOCK_SKEW_MS = 30_000
/** The longest a fetch of the issuer's metadata or keys may take (ms). @since 0.1.0 */
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000
/** After a fetch of the keys, none again for this long on an unknown `kid` (ms). @since 0.1.0 */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000
/** Keys fetched longer ago than this are fetched again at the next token (ms). @since 0.1.0 */
export const DEFAULT_JWKS_MAX_AGE_MS = 10 * 60_000

/**
 * How access tokens are checked (`LLM_GATEWAY_OAUTH_*`, see `Config.ts`).
 *
 * @since 0.1.0
 */
export interface OAuthSettings {
  /** The issuer: a token's `iss` must be exactly it; its metadata says where its keys are. */
  readonly issuer: string
  /** The protected resource: the MCP endpoint's URL as clients reach it. */
  readonly resource: string
  /** A token's `aud` must name one of these (default: the resource). */
  readonly audience: ReadonlyArray<string>
  /** The issuer's JWKS; undefined: `jwks_uri` of the issuer's metadata. */
  readonly jwksUrl?: string | undefined
  /** Scopes every token must carry (`scope` or `scp`); empty: none. */
  readonly scopes: ReadonlyArray<string>
  /** Signature algorithms accepted (default `DEFAULT_ALGORITHMS`). */
  readonly algorithms?: ReadonlyArray<string> | undefined
  /** Clock skew allowed on `exp` and `nbf` (ms, default 30 s). */
  readonly clockSkewMs?: number | undefined
  /** Bound of each fetch of the issuer's metadata or keys (ms, default 5 s). */
  readonly fetchTimeoutMs?: number | undefined
  /** The least time between two fetches of the keys for an unknown `kid` (ms, default 30 s). */
  readonly jwksCooldownMs?: number | undefined
  /** Keys older than this are fetched again (ms, default 10 minutes). */
  readonly jwksMaxAgeMs?: number | undefined
}

// ---------------------------------------------------------------------------
// Why a token is refused
// ---------------------------------------------------------------------------

/**
 * The token is not one of the issuer's valid access tokens for this
 * resource (bad signature, wrong issuer or audience, expired, not yet
 * valid, an algorithm not allowed, malformed): 401 `invalid_token`.
 *
 * @since 0.1.0
 */
export class OAuthTokenInvalid extends Data.TaggedError("OAuthTokenInvalid")<{
  /** Why, in words fit for the challenge's `error_description`. */
  readonly reason: string
}> {}

/**
 * A valid token without every required scope: 403 `insufficient_scope`.
 *
 * @since 0.1.0
 */
export class OAuthInsufficientScope extends Data.TaggedError("OAuthInsufficientScope")<{
  readonly required: ReadonlyArray<string>
  readonly granted: ReadonlyArray<string>
}> {}

/**
 * The issuer's metadata or keys could not be fetched (unreachable, too
 * slow, an answer that is not one), so no token can be checked: 503. The
 * token is not known to be bad, so it is not answered as such (a 401
 * would send the client to sign in again for nothing).
 *
 * @since 0.1.0
 */
export class OAuthIssuerUnavailable extends Data.TaggedError("OAuthIssuerUnavailable")<{
  readonly issuer: string
  /** What was fetched. */
  readonly url: string
  readonly reason: string
}> {}

/**
 * @since 0.1.0
 */
export type OAuthRefusal = OAuthTokenInvalid | OAuthInsufficientScope | OAuthIssuerUnavailable

// ---------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------

/**
 * The identity in a verified access token.
 *
 * @since 0.1.0
 */
export interface OAuthIdentity {
  /** `iss`: the configured issuer. */
  readonly issuer: string
  /** `sub`. */
  readonly subject: string
  /** The scopes granted (`scope`, or `scp`). */
  readonly scopes: ReadonlyArray<string>
  /** `client_id` (RFC 9068), `azp` or `cid`, when present. */
  readonly clientId?: string | undefined
  /** `exp`, in ms since the epoch. */
  readonly expiresAt: number
}

/**
 * @since 0.1.0
 */
export interface OAuthShape {
  readonly settings: OAuthSettings
  /** Checks an access token: its identity, or why it is refused. */
  readonly verify: (token: string) => Effect.Effect<OAuthIdentity, OAuthRefusal>
}

/**
 * The OAuth verifier of an HTTP server. Absent (the usual case), the server
 * knows only the bearer tokens of its tokens file; present, it also takes
 * the issuer's JWTs, serves its Protected Resource Metadata, and requires
 * authentication on every request. `http/jwt` makes one.
 *
 * @since 0.1.0
 * @category tags
 */
export class OAuth extends Context.Tag("llm-cli-gateway/OAuth")<OAuth, OAuthShape>() {}

// ---------------------------------------------------------------------------
// Pure parts
// ---------------------------------------------------------------------------

/**
 * The principal id of an OAuth subject: `oauth:ISSUER#SUBJECT`.
 *
 * @since 0.1.0
 */
export const principalOf = (identity: Pick<OAuthIdentity, "issuer" | "subject">): string =>
  `oauth:${identity.issuer}#${identity.subject}`

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Whether a bearer token has a JWT's shape (three base64url parts): such a
 * token goes to the issuer's check, any other to the tokens file (whose
 * tokens have no dots).
 *
 * @since 0.1.0
 */
export const looksLikeJwt = (token: string): boolean => JWT_SHAPE.test(token)

/**
 * Where RFC 9728 puts a resource's metadata.
 *
 * @since 0.1.0
 */
export const METADATA_PATH = "/.well-known/oauth-protected-resource"

/**
 * The URL of a resource's metadata (RFC 9728 §3.1): the well-known path
 * inserted between the resource's origin and its path
 * (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
 *
 * @since 0.1.0
 */
export const metadataUrl = (resource: string): string => {
  const url = new URL(resource)
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "")
  return `${url.origin}${METADATA_PATH}${path}`
}

/**
 * The paths this server answers the metadata on: the well-known path
 * alone, followed by `/mcp`, and followed by the resource's own path (when
 * a proxy serves the endpoint elsewhere).
 *
 * @since 0.1.0
 */
export const metadataPaths = (resource: string, endpoint: string): ReadonlyArray<string> => {
  const own = new URL(resource).pathname.replace(/\/$/, "")
  return [...new Set([METADATA_PATH, `${METADATA_PATH}${endpoint}`, `${METADATA_PATH}${own}`])]
}

/**
 * The Protected Resource Metadata document (RFC 9728 §2).
 *
 * @since 0.1.0
 */
export const protectedResourceMetadata = (settings: OAuthSettings): Record<string, unknown> => ({
  resource: settings.resource,
  authorization_servers: [settings.issuer],
  bearer_methods_supported: ["header"],
  ...(settings.scopes.length > 0 ? { scopes_supported: settings.scopes } : {}),
  resource_name: "llm-cli-gateway"
})

/** What a quoted-string of a challenge may hold (RFC 6750 §3: no `"` nor `\`, printable ASCII). */
const quotable = (text: string): string => text.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "?")

/**
 * The parameters of a challenge after its realm: `resource_metadata` and
 * the required `scope` when an issuer is configured, then the error.
 *
 * @since 0.1.0
 */
export const challengeParams = (
  settings: OAuthSettings | undefined,
  error?: { readonly code: string; readonly description?: string; readonly scope?: ReadonlyArray<string> }
): string => {
  const params: Array<string> = []
  if (settings !== undefined) {
    params.push(`resource_metadata="${quotable(metadataUrl(settings.resource))}"`)
    const scope = error?.scope ?? settings.scopes
    if (scope.length > 0) params.push(`scope="${quotable(scope.join(" "))}"`)
  }
  if (error !== undefined) {
    params.push(`error="${error.code}"`)
    if (error.description !== undefined) params.push(`error_description="${quotable(error.description)}"`)
  }
  return params.map((p) => `, ${p}`).join("")
}
