/**
 * Who sends a request: with bearer tokens configured (the `TokenStore` has
 * any), every request must carry `Authorization: Bearer <token>` of a known
 * token, and is that token's principal; a request without one is refused
 * (401 with a `WWW-Authenticate` challenge, RFC 6750 §3), and one with a
 * token that is not known with `error="invalid_token"`. With no tokens,
 * every request on a loopback bind is the local principal (a server never
 * listens beyond loopback without tokens). Once a server has required
 * tokens it keeps requiring them, even when every token is removed.
 *
 * With an OAuth issuer configured (the `OAuth` service of `http/oauth` in
 * the context), every request must be authenticated; a JWT-shaped token is
 * checked by the issuer's keys (its principal `oauth:ISSUER#SUBJECT`), any
 * other by the tokens file. The challenges then carry `resource_metadata`
 * (and `scope` when scopes are required); a token without a required scope
 * answers 403 `insufficient_scope`, and an issuer whose keys cannot be
 * fetched 503. The Protected Resource Metadata (RFC 9728) is answered by
 * `wellKnown`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  challengeParams,
  metadataPaths,
  looksLikeJwt,
  OAuth,
  type OAuthIdentity,
  type OAuthRefusal,
  type OAuthSettings,
  principalOf,
  protectedResourceMetadata
} from "./oauth.js"
import type { Principal, TokenStoreShape } from "./tokens.js"

/** The realm of the challenge. @since 0.1.0 */
export const REALM = "llm-cli-gateway"

/**
 * Who a request is from: a token's principal, an OAuth subject, or the
 * local one (no tokens configured).
 *
 * @since 0.1.0
 */
export interface Caller {
  /** The token's name; for an OAuth subject, its principal id `oauth:ISSUER#SUBJECT`. */
  readonly principal: Principal
  /** False for the local principal of a server without tokens. */
  readonly authenticated: boolean
  /** Set for a caller authenticated by an access token of the OAuth issuer: who the token says. */
  readonly oauth?: OAuthIdentity | undefined
}

/**
 * The principal of every request when no token is configured (as stdio's).
 *
 * @since 0.1.0
 */
export const local: Caller = { principal: { name: "local" }, authenticated: false }

/**
 * Whether two callers are the same principal (a session is only ever
 * answered for the principal that opened it).
 *
 * @since 0.1.0
 */
export const same = (a: Caller, b: Caller): boolean =>
  a.authenticated === b.authenticated && principalId(a) === principalId(b)

/**
 * The caller, or the challenge to answer with 401 (or the `status` told:
 * 403 for a missing scope, 503 when the issuer cannot be reached).
 *
 * @since 0.1.0
 */
export type Authentication =
  | { readonly _tag: "Allowed"; readonly caller: Caller }
  | {
    readonly _tag: "Refused"
    readonly challenge: string
    readonly message: string
    /** 401 when absent. */
    readonly status?: 401 | 403 | 503 | undefined
  }

const challenge = `Bearer realm="${REALM}"`

/** How long a client told that the issuer cannot be reached is asked to wait (s). @since 0.1.0 */
export const ISSUER_RETRY_AFTER_SECONDS = 5

/** A JWT's refusal as the answer to give. */
const refusalOf = (settings: OAuthSettings, refusal: OAuthRefusal): Authentication => {
  switch (refusal._tag) {
    case "OAuthTokenInvalid":
      return {
        _tag: "Refused",
        challenge: challenge + challengeParams(settings, { code: "invalid_token", description: refusal.reason }),
        message: `the access token is not valid: ${refusal.reason}`
      }
    case "OAuthInsufficientScope": {
      const missing = refusal.required.filter((s) => !refusal.granted.includes(s))
      return {
        _tag: "Refused",
        status: 403,
        challenge: challenge +
          challengeParams(settings, {
            code: "insufficient_scope",
            description: `the access token lacks the scope ${missing.join(" ")}`,
            scope: refusal.required
          }),
        message: `the access token lacks the scope ${missing.join(" ")} (required: ${refusal.required.join(" ")})`
      }
    }
    case "OAuthIssuerUnavailable":
      return {
        _tag: "Refused",
        status: 503,
        challenge: challenge + challengeParams(settings),
        message: `the access token cannot be checked now: the issuer ${refusal.issuer} could not be reached ` +
          `(${refusal.url}: ${refusal.reason}); retry later`
      }
  }
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * Authenticates a request by its `Authorization` header. Unless
 * `required`, every request is the local principal; when required, a
 * store with no token refuses every token. With the `OAuth` service in the
 * context, authentication is always required, and a JWT-shaped token is
 * the issuer's to check.
 *
 * @since 0.1.0
 */
export const authenticate = (
  store: TokenStoreShape,
  authorization: string | undefined,
  required: boolean
): Effect.Effect<Authentication> =>
  Effect.flatMap(Effect.serviceOption(OAuth), (oauth): Effect.Effect<Authentication> => {
    const settings = Option.isSome(oauth) ? oauth.value.settings : undefined
    if (!required && settings === undefined) return Effect.succeed({ _tag: "Allowed", caller: local })
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]
    if (token === undefined && !(authorization !== undefined && /^bearer(\s|$)/i.test(authorization))) {
      return Effect.succeed({
        _tag: "Refused",
        challenge: challenge + challengeParams(settings),
        message: "authentication required: send Authorization: Bearer <token>"
      })
    }
    const invalid: Authentication = {
      _tag: "Refused",
      challenge: challenge + challengeParams(settings, { code: "invalid_token" }),
      message: "the bearer token is not valid"
    }
    if (token === undefined) return Effect.succeed(invalid)
    if (Option.isSome(oauth) && looksLikeJwt(token)) {
      return oauth.value.verify(token).pipe(
        Effect.match({
          onFailure: (refusal) => refusalOf(oauth.value.settings, refusal),
          onSuccess: (identity): Authentication => ({
            _tag: "Allowed",
            caller: { principal: { name: principalOf(identity) }, authenticated: true, oauth: identity }
          })
        })
      )
    }
    return Effect.map(store.verify(token), Option.match({
      onNone: () => invalid,
      onSome: (principal): Authentication => ({ _tag: "Allowed", caller: { principal, authenticated: true } })
    }))
  })

/**
 * What to answer a refused request with: the status (401 unless told),
 * the message after it, and the headers (the challenge; `Retry-After` with
 * a 503).
 *
 * @since 0.1.0
 */
export const refusalAnswer = (
  refused: Extract<Authentication, { readonly _tag: "Refused" }>
): { readonly status: number; readonly message: string; readonly headers: Record<string, string> } => {
  const status = refused.status ?? 401
  const words = status === 403 ? "Forbidden" : status === 503 ? "Service Unavailable" : "Unauthorized"
  return {
    status,
    message: `${words}: ${refused.message}`,
    headers: status === 503
      ? { "WWW-Authenticate": refused.challenge, "Retry-After": String(ISSUER_RETRY_AFTER_SECONDS) }
      : { "WWW-Authenticate": refused.challenge }
  }
}

/**
 * The answer to a request of a well-known path of OAuth: the Protected
 * Resource Metadata (RFC 9728) at `/.well-known/oauth-protected-resource`
 * and its path-suffixed forms, when an issuer is configured (readable from
 * any origin: the document is public); undefined for any other path, and
 * without an issuer (the server's 404 then answers).
 *
 * @since 0.1.0
 */
export const wellKnown = (
  path: string | undefined,
  method: string,
  endpoint: string
): Effect.Effect<
  { readonly status: number; readonly body: unknown; readonly headers: Record<string, string> } | undefined
> =>
  Effect.map(Effect.serviceOption(OAuth), (oauth) => {
    if (Option.isNone(oauth) || path === undefined) return undefined
    const { settings } = oauth.value
    if (!metadataPaths(settings.resource, endpoint).includes(path.replace(/\/$/, ""))) return undefined
    const headers = { "Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=3600" }
    if (method !== "GET" && method !== "HEAD") {
      return {
        status: 405,
        body: { error: "method_not_allowed", error_description: "the metadata is read by GET" },
        headers: { ...headers, Allow: "GET, HEAD" }
      }
    }
    return { status: 200, body: protectedResourceMetadata(settings), headers }
  })

/**
 * The principal id a caller's rows are recorded under (see
 * `domain/Principal`): `local` for the local principal, `token:NAME` for a
 * bearer token's, `oauth:ISSUER#SUBJECT` for an OAuth access token's.
 *
 * @since 0.1.0
 */
export const principalId = (caller: Caller): string =>
  caller.oauth !== undefined ? principalOf(caller.oauth) : caller.authenticated ? `token:${caller.principal.name}` : "local"
