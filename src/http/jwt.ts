/**
 * The `OAuth` verifier (see `http/oauth`): JWT access tokens of one issuer,
 * checked with `jose` against the issuer's keys (its JWKS).
 *
 * - The keys are fetched from the configured JWKS URL, or from the
 *   `jwks_uri` of the issuer's metadata (RFC 8414
 *   `/.well-known/oauth-authorization-server`, then OpenID Connect's
 *   `openid-configuration`; the metadata's `issuer` must be the issuer),
 *   at start (in the background, so that a problem is said at once) and
 *   when first needed, then kept: fetched again when older than the
 *   maximum age, and when a token names a `kid` that is not among them
 *   (the issuer rotated its keys), at most once per cooldown, so that made
 *   up `kid`s cannot make the server hammer the issuer. One fetch at a
 *   time; every fetch is bounded in time and size.
 * - When the keys cannot be fetched, a token is refused as
 *   `OAuthIssuerUnavailable` (the server answers 503): nothing says that
 *   the token is bad. Keys fetched before and past their age are used
 *   while the issuer cannot be reached (a warning says so), but never for
 *   an unknown `kid`.
 * - A token must be signed by one of the keys with an allowed algorithm
 *   (asymmetric only: never `none`, never an HMAC keyed by a public key),
 *   have `iss` the issuer, `aud` naming the audience (by default the
 *   resource), an `exp` in the future and an `nbf` (when present) in the
 *   past, both within the clock skew (by the Effect `Clock`), and a `sub`.
 *   Then it must carry every required scope (`scope`, or `scp`).
 *
 * This module is loaded only when an issuer is configured.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as errors from "jose/errors"
import { createLocalJWKSet } from "jose/jwks/local"
import { jwtVerify } from "jose/jwt/verify"
import type { JSONWebKeySet, JWTPayload } from "jose"
import { TokenStore } from "./tokens.js"
import {
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_MAX_AGE_MS,
  OAuth,
  type OAuthIdentity,
  OAuthInsufficientScope,
  OAuthIssuerUnavailable,
  type OAuthRefusal,
  type OAuthSettings,
  type OAuthShape,
  OAuthTokenInvalid
} from "./oauth.js"

/** The largest metadata document or JWKS read (bytes). @since 0.1.0 */
export const MAX_DOCUMENT_BYTES = 1024 * 1024

/**
 * Where the issuer's metadata may be, in the order tried (RFC 8414 §3.1,
 * and OpenID Connect Discovery inserted and appended, as MCP's clients
 * try them).
 *
 * @since 0.1.0
 */
export const metadataUrls = (issuer: string): ReadonlyArray<string> => {
  const url = new URL(issuer)
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "")
  return [
    ...new Set([
      `${url.origin}/.well-known/oauth-authorization-server${path}`,
      `${url.origin}/.well-known/openid-configuration${path}`,
      `${url.origin}${path}/.well-known/openid-configuration`
    ])
  ]
}

type Fetched = { readonly _tag: "Json"; readonly value: unknown } | { readonly _tag: "NotFound"; readonly status: number }

/** One GET of a JSON document, bounded in time and size; a non-2xx answer is `NotFound`. */
const fetchJson = (settings: OAuthSettings, url: string): Effect.Effect<Fetched, OAuthIssuerUnavailable> => {
  const timeout = settings.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
  const unavailable = (reason: string) => new OAuthIssuerUnavailable({ issuer: settings.issuer, url, reason })
  return Effect.tryPromise({
    try: async (signal): Promise<Fetched> => {
      const res = await fetch(url, { signal, headers: { Accept: "application/json" } })
      if (!res.ok) {
        await res.body?.cancel()
        return { _tag: "NotFound", status: res.status }
      }
      const length = Number(res.headers.get("content-length") ?? "0")
      if (length > MAX_DOCUMENT_BYTES) {
        await res.body?.cancel()
        throw new Error(`the answer is ${length} bytes, more than ${MAX_DOCUMENT_BYTES}`)
      }
      const text = await res.text()
      if (text.length > MAX_DOCUMENT_BYTES) throw new Error(`the answer is more than ${MAX_DOCUMENT_BYTES} bytes`)
      try {
        return { _tag: "Json", value: JSON.parse(text) as unknown }
      } catch {
        throw new Error("the answer is not JSON")
      }
    },
    catch: (e) => {
      const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause
      const detail = typeof cause?.code === "string"
        ? ` (${cause.code})`
        : typeof cause?.message === "string" && cause.message !== ""
        ? ` (${cause.message})`
        : ""
      return unavailable(`${e instanceof Error ? e.message : String(e)}${detail}`)
    }
  }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => unavailable(`no answer within ${timeout} ms`) })
  )
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The JWKS URL of the issuer's metadata: the first metadata document found
 * whose `issuer` is the issuer.
 *
 * @since 0.1.0
 */
export const discoverJwksUrl = (settings: OAuthSettings): Effect.Effect<string, OAuthIssuerUnavailable> =>
  Effect.gen(function*() {
    const tried: Array<string> = []
    for (const url of metadataUrls(settings.issuer)) {
      const fetched = yield* fetchJson(settings, url)
      if (fetched._tag === "NotFound") {
        tried.push(`${url} (${fetched.status})`)
        continue
      }
      const doc = fetched.value
      if (!isRecord(doc) || doc.issuer !== settings.issuer) {
        return yield* new OAuthIssuerUnavailable({
          issuer: settings.issuer,
          url,
          reason: `the metadata's issuer is ${JSON.stringify(isRecord(doc) ? doc.issuer : undefined)}, not the issuer`
        })
      }
      if (typeof doc.jwks_uri !== "string" || !URL.canParse(doc.jwks_uri)) {
        return yield* new OAuthIssuerUnavailable({ issuer: settings.issuer, url, reason: "the metadata has no jwks_uri" })
      }
      return doc.jwks_uri
    }
    return yield* new OAuthIssuerUnavailable({
      issuer: settings.issuer,
      url: metadataUrls(settings.issuer)[0]!,
      reason: `no metadata found (${tried.join(", ")}); set LLM_GATEWAY_OAUTH_JWKS_URL`
    })
  })

type KeySet = ReturnType<typeof createLocalJWKSet>

interface Keys {
  readonly set: KeySet
  readonly fetchedAt: number
}

interface State {
  readonly keys: Keys | undefined
  /** The JWKS URL, once discovered. */
  readonly jwksUrl: string | undefined
  /** When keys were last asked for (a fetch that failed counts too, for the cooldown). */
  readonly triedAt: number
  /** Why the last fetch failed, said once; undefined once one succeeds. */
  readonly failure: OAuthIssuerUnavailable | undefined
}

const scopesOf = (payload: JWTPayload): ReadonlyArray<string> => {
  const scope = payload.scope ?? payload.scp
  if (typeof scope === "string") return scope.split(" ").filter((s) => s !== "")
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === "string")
  return []
}

const clientIdOf = (payload: JWTPayload): string | undefined => {
  for (const claim of ["client_id", "azp", "cid"]) {
    const value = payload[claim]
    if (typeof value === "string" && value !== "") return value
  }
  return undefined
}

/** Why `jose` refused a token, in words. */
const reasonOf = (e: unknown): string => {
  if (e instanceof errors.JWTExpired) return "the token has expired"
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case "nbf":
        return e.reason === "check_failed" ? "the token is not valid yet" : `the nbf claim is not valid (${e.message})`
      case "iss":
        return "the token was issued by another issuer"
      case "aud":
        return "the token is for another audience"
      default:
        return e.message
    }
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return "the token's signature algorithm is not allowed"
  if (e instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify"
  if (e instanceof errors.JWKSNoMatchingKey) return "no key of the issuer matches the token"
  if (e instanceof errors.JOSEError) return e.message
  return `the token cannot be checked (${e instanceof Error ? e.message : String(e)})`
}

/**
 * A verifier of the issuer's access tokens. The keys are not fetched
 * until `verify` (or `warm`) asks for them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (settings: OAuthSettings): Effect.Effect<OAuthShape & { readonly warm: Effect.Effect<void> }> =>
  Effect.gen(function*() {
    const cooldown = settings.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS
    const maxAge = settings.jwksMaxAgeMs ?? DEFAULT_JWKS_MAX_AGE_MS
    const state = yield* Ref.make<State>({
      keys: undefined,
      jwksUrl: settings.jwksUrl,
      triedAt: Number.NEGATIVE_INFINITY,
      failure: undefined
    })
    // With no keys at all, a failed fetch is tried again at the next token past this; sooner, it fails at once.
    const retryMs = Math.min(cooldown, 5_000)
    const lock = yield* Effect.makeSemaphore(1)

    const fetchKeys = (s: State): Effect.Effect<{ readonly url: string; readonly set: KeySet }, OAuthIssuerUnavailable> =>
      Effect.gen(function*() {
        const url = s.jwksUrl ?? (yield* discoverJwksUrl(settings))
        const fetched = yield* fetchJson(settings, url)
        const unavailable = (reason: string) => new OAuthIssuerUnavailable({ issuer: settings.issuer, url, reason })
        if (fetched._tag === "NotFound") return yield* unavailable(`the JWKS answered ${fetched.status}`)
        const jwks = fetched.value
        if (!isRecord(jwks) || !Array.isArray(jwks.keys)) return yield* unavailable("the answer is not a JWKS")
        const set = yield* Effect.try({
          try: () => createLocalJWKSet(jwks as unknown as JSONWebKeySet),
          catch: (e) => unavailable(`the answer is not a JWKS (${e instanceof Error ? e.message : String(e)})`)
        })
        return { url, set }
      })

    /**
     * The keys, fetched again when `stale` says so (and no other fiber just
     * did). A failed fetch keeps the keys there are; with none, it fails.
     */
    const refresh = (stale: (s: State, now: number) => boolean): Effect.Effect<Keys, OAuthIssuerUnavailable> =>
      lock.withPermits(1)(Effect.gen(function*() {
        const s = yield* Ref.get(state)
        const now = yield* Clock.currentTimeMillis
        if (s.keys !== undefined && !stale(s, now)) return s.keys
        if (s.keys === undefined && s.failure !== undefined && now - s.triedAt < retryMs) return yield* s.failure
        const fetched = yield* Effect.either(fetchKeys(s))
        if (fetched._tag === "Left") {
          const problem = `${fetched.left.url}: ${fetched.left.reason}`
          if (s.failure === undefined || problem !== `${s.failure.url}: ${s.failure.reason}`) {
            yield* Effect.logWarning(
              `OAuth: the keys of the issuer ${settings.issuer} cannot be fetched (${problem})` +
                (s.keys === undefined ? "; access tokens are refused (503) until they can" : "; the keys fetched before are used")
            )
          }
          yield* Ref.set(state, { ...s, triedAt: now, failure: fetched.left })
          if (s.keys === undefined) return yield* fetched.left
          return s.keys
        }
        const keys: Keys = { set: fetched.right.set, fetchedAt: now }
        if (s.failure !== undefined || s.keys === undefined) {
          yield* Effect.logInfo(`OAuth: keys of the issuer ${settings.issuer} fetched from ${fetched.right.url}`)
        }
        yield* Ref.set(state, { keys, jwksUrl: fetched.right.url, triedAt: now, failure: undefined })
        return keys
      }))

    const current: Effect.Effect<Keys, OAuthIssuerUnavailable> = Effect.flatMap(
      Effect.zip(Ref.get(state), Clock.currentTimeMillis),
      ([s, now]) =>
        s.keys !== undefined && now - s.keys.fetchedAt < maxAge
          ? Effect.succeed(s.keys)
          // Past their age, fetched again at most once per cooldown (while the issuer cannot be reached).
          : refresh((s2, at) => at - s2.keys!.fetchedAt >= maxAge && at - s2.triedAt >= cooldown)
    )

    const options = {
      issuer: settings.issuer,
      audience: [...settings.audience],
      algorithms: [...(settings.algorithms ?? DEFAULT_ALGORITHMS)],
      clockTolerance: Math.ceil((settings.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS) / 1000),
      requiredClaims: ["iss", "aud", "exp", "sub"]
    }

    type Attempt = { readonly _tag: "Verified"; readonly payload: JWTPayload } | { readonly _tag: "NoKey" }

    const attempt = (token: string, keys: Keys): Effect.Effect<Attempt, OAuthTokenInvalid> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.tryPromise({
          try: () => jwtVerify(token, keys.set, { ...options, currentDate: new Date(now) }),
          catch: (e) => e
        }).pipe(
          Effect.map((verified): Attempt => ({ _tag: "Verified", payload: verified.payload })),
          Effect.catchAll((e) =>
            e instanceof errors.JWKSNoMatchingKey
              ? Effect.succeed<Attempt>({ _tag: "NoKey" })
              : Effect.fail(new OAuthTokenInvalid({ reason: reasonOf(e) }))
          )
        ))

    const identify = (payload: JWTPayload): Effect.Effect<OAuthIdentity, OAuthRefusal> => {
      if (typeof payload.sub !== "string" || payload.sub === "") {
        return Effect.fail(new OAuthTokenInvalid({ reason: "the token names no subject (sub)" }))
      }
      const scopes = scopesOf(payload)
      if (!settings.scopes.every((s) => scopes.includes(s))) {
        return Effect.fail(new OAuthInsufficientScope({ required: settings.scopes, granted: scopes }))
      }
      return Effect.succeed({
        issuer: settings.issuer,
        subject: payload.sub,
        scopes,
        clientId: clientIdOf(payload),
        expiresAt: (payload.exp ?? 0) * 1000
      })
    }

    const verify = (token: string): Effect.Effect<OAuthIdentity, OAuthRefusal> =>
      Effect.gen(function*() {
        const keys = yield* current
        let outcome = yield* attempt(token, keys)
        if (outcome._tag === "NoKey") {
          // A key the issuer added since: fetched again, unless fetched (or tried) within the cooldown.
          const fresh = yield* refresh((s, now) => now - s.triedAt >= cooldown)
          if (fresh !== keys) outcome = yield* attempt(token, fresh)
        }
        if (outcome._tag === "NoKey") {
          const { failure } = yield* Ref.get(state)
          // An unknown kid while the issuer cannot be reached: the token may well be good.
          if (failure !== undefined) return yield* failure
          return yield* new OAuthTokenInvalid({ reason: "no key of the issuer matches the token (kid)" })
        }
        return yield* identify(outcome.payload)
      })

    const warm = Effect.ignore(current)
    return { settings, verify, warm }
  })

/**
 * The `OAuth` service of these settings, and the `TokenStore` it is given
 * counting the issuer as one credential more (so that the server requires
 * authentication on every request, and may listen beyond loopback with no
 * bearer token in the file). The keys are fetched in the background at
 * once; a line says that OAuth is on, with which issuer and resource.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (settings: OAuthSettings): Layer.Layer<OAuth | TokenStore, never, TokenStore> =>
  Layer.merge(
    Layer.scoped(
      OAuth,
      Effect.gen(function*() {
        const verifier = yield* make(settings)
        yield* Effect.logInfo(
          `OAuth: access tokens of the issuer ${settings.issuer} accepted for the resource ${settings.resource}` +
            (settings.audience.length === 1 && settings.audience[0] === settings.resource
              ? ""
              : ` (audience ${settings.audience.join(", ")})`) +
            (settings.scopes.length > 0 ? `, scopes required: ${settings.scopes.join(" ")}` : "")
        )
        yield* Effect.forkScoped(verifier.warm)
        return { settings: verifier.settings, verify: verifier.verify }
      })
    ),
    Layer.effect(
      TokenStore,
      Effect.map(TokenStore, (store) => ({ verify: store.verify, size: Effect.map(store.size, (n) => n + 1) }))
    )
  )
