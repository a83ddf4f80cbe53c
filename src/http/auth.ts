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
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Principal, TokenStoreShape } from "./tokens.js"

/** The realm of the challenge. @since 0.1.0 */
export const REALM = "llm-cli-gateway"

/**
 * Who a request is from: a token's principal, or the local one (no tokens
 * configured).
 *
 * @since 0.1.0
 */
export interface Caller {
  readonly principal: Principal
  /** False for the local principal of a server without tokens. */
  readonly authenticated: boolean
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
  a.authenticated === b.authenticated && a.principal.name === b.principal.name

/**
 * The caller, or the challenge to answer with 401.
 *
 * @since 0.1.0
 */
export type Authentication =
  | { readonly _tag: "Allowed"; readonly caller: Caller }
  | { readonly _tag: "Refused"; readonly challenge: string; readonly message: string }

const challenge = `Bearer realm="${REALM}"`

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * Authenticates a request by its `Authorization` header. Unless
 * `required`, every request is the local principal; when required, a
 * store with no token refuses every token.
 *
 * @since 0.1.0
 */
export const authenticate = (
  store: TokenStoreShape,
  authorization: string | undefined,
  required: boolean
): Effect.Effect<Authentication> => {
  if (!required) return Effect.succeed({ _tag: "Allowed", caller: local })
  const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]
  if (token === undefined && !(authorization !== undefined && /^bearer(\s|$)/i.test(authorization))) {
    return Effect.succeed({
      _tag: "Refused",
      challenge,
      message: "authentication required: send Authorization: Bearer <token>"
    })
  }
  const invalid: Authentication = {
    _tag: "Refused",
    challenge: `${challenge}, error="invalid_token"`,
    message: "the bearer token is not valid"
  }
  if (token === undefined) return Effect.succeed(invalid)
  return Effect.map(store.verify(token), Option.match({
    onNone: () => invalid,
    onSome: (principal): Authentication => ({ _tag: "Allowed", caller: { principal, authenticated: true } })
  }))
}

/**
 * The principal id a caller's rows are recorded under (see
 * `domain/Principal`): `local` for the local principal, `token:NAME` for a
 * bearer token's.
 *
 * @since 0.1.0
 */
export const principalId = (caller: Caller): string =>
  caller.authenticated ? `token:${caller.principal.name}` : "local"
