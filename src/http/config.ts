/**
 * The Streamable HTTP server's settings, as the environment gives them
 * (`LLM_GATEWAY_HTTP*`, and `LLM_GATEWAY_OAUTH_*` read only when an issuer
 * and an address are set): part of `GatewayConfig` (`http`).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { atLeast, nonNegativeInt, positiveInt } from "../configNumbers.js"
import * as Address from "./address.js"
import { DEFAULT_ALGORITHMS, type OAuthSettings } from "./oauth.js"
import * as Origins from "./origins.js"

/**
 * The Streamable HTTP server's settings.
 *
 * @since 0.1.0
 */
export interface HttpConfig {
  /** `LLM_GATEWAY_HTTP` (or `--http`): `PORT`, `HOST:PORT` or `[IPV6]:PORT`; unset, the server speaks stdio. */
  readonly listen: Option.Option<Address.ListenAddress>
  /**
   * `LLM_GATEWAY_HTTP_ALLOWED_ORIGINS`: the origins a browser request may come from, comma-separated
   * (`SCHEME://HOST[:PORT]`, the port may be `*`; `*` alone for any). Default: the loopback origins on any port.
   */
  readonly allowedOrigins: ReadonlyArray<string>
  /** `LLM_GATEWAY_HTTP_MAX_BODY_BYTES`: the largest request body read (default 16 MiB); a bigger one answers 413. */
  readonly maxBodyBytes: number
  /** `LLM_GATEWAY_HTTP_MAX_SESSIONS`: MCP sessions open at once (default 100); one more answers 503. */
  readonly maxSessions: number
  /** `LLM_GATEWAY_HTTP_SESSION_IDLE_MS`: a session with no exchange open this long is closed (default 30 minutes). */
  readonly sessionIdleMs: number
  /**
   * `LLM_GATEWAY_HTTP_PUBLIC_URL`: the MCP endpoint's URL as clients reach it (`https://gw.example.com/mcp`
   * behind a TLS proxy): the protected resource of OAuth. Read only with `LLM_GATEWAY_HTTP` set; absent, the
   * resource is `http://HOST:PORT/mcp` of the address listened on.
   */
  readonly publicUrl?: string | undefined
  /**
   * OAuth access tokens (MCP's authorization, the resource-server side), on when `LLM_GATEWAY_OAUTH_ISSUER` is
   * set (and `LLM_GATEWAY_HTTP`; the `LLM_GATEWAY_OAUTH_*` variables are not read otherwise). Every request then
   * needs a bearer token: a JWT of the issuer, or a token of the tokens file; the server may listen beyond
   * loopback with no tokens file. See `http/oauth` and `http/jwt`.
   *
   * - `LLM_GATEWAY_OAUTH_ISSUER`: the issuer, exactly as its tokens' `iss` says it (https, or http on loopback).
   * - `LLM_GATEWAY_OAUTH_AUDIENCE`: what a token's `aud` must name, comma-separated (default: the resource,
   *   `LLM_GATEWAY_HTTP_PUBLIC_URL` or the address's `/mcp` URL).
   * - `LLM_GATEWAY_OAUTH_JWKS_URL`: the issuer's keys (default: `jwks_uri` of the issuer's metadata,
   *   `/.well-known/oauth-authorization-server` or `/.well-known/openid-configuration`).
   * - `LLM_GATEWAY_OAUTH_SCOPES`: scopes every token must carry, space- or comma-separated (default none); listed
   *   in the metadata and the challenges; a token without them answers 403 `insufficient_scope`.
   * - `LLM_GATEWAY_OAUTH_ALGORITHMS`: the signature algorithms accepted, comma-separated (default every
   *   asymmetric one: RS*, PS*, ES*, EdDSA; `none` and HMAC are never accepted).
   * - `LLM_GATEWAY_OAUTH_CLOCK_SKEW_MS`: skew allowed on `exp` and `nbf` (default 30 s, at most 5 minutes).
   * - `LLM_GATEWAY_OAUTH_FETCH_TIMEOUT_MS`: bound of a fetch of the issuer's metadata or keys (default 5 s).
   * - `LLM_GATEWAY_OAUTH_JWKS_COOLDOWN_MS`: least time between two fetches of the keys for an unknown `kid`
   *   (default 30 s).
   */
  readonly oauth?: OAuthSettings | undefined
}

/** The largest HTTP request body read. @since 0.1.0 */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 16 * 1024 * 1024
/** MCP sessions open at once over HTTP. @since 0.1.0 */
export const DEFAULT_HTTP_MAX_SESSIONS = 100
/** How long an HTTP session may stay idle. @since 0.1.0 */
export const DEFAULT_HTTP_SESSION_IDLE_MS = 30 * 60_000

/** The clock skew allowed on OAuth tokens' `exp` and `nbf`, at most. @since 0.1.0 */
export const MAX_OAUTH_CLOCK_SKEW_MS = 5 * 60_000

/** `LLM_GATEWAY_HTTP`: unset or empty, the server speaks stdio. */
const httpListen = Config.string("LLM_GATEWAY_HTTP").pipe(
  Config.withDefault(""),
  Config.mapOrFail((text) =>
    text.trim() === ""
      ? Either.right(Option.none<Address.ListenAddress>())
      : Either.mapBoth(Address.parseListen(text), {
        onLeft: (message) => ConfigError.InvalidData(["LLM_GATEWAY_HTTP"], message),
        onRight: Option.some
      })
  )
)

const httpAllowedOrigins = Config.string("LLM_GATEWAY_HTTP_ALLOWED_ORIGINS").pipe(
  Config.withDefault(Origins.DEFAULT_ALLOWED_ORIGINS.join(",")),
  Config.map((list) => list.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")),
  Config.mapOrFail((entries) =>
    Either.mapBoth(Origins.parseAllowedOrigins(entries), {
      onLeft: (message) => ConfigError.InvalidData(["LLM_GATEWAY_HTTP_ALLOWED_ORIGINS"], message),
      onRight: () => entries
    })
  )
)

/** Why `when` read on: its variable is set (a marker, never a failure of its own). */
const READ_ON = "is set, so the settings that depend on it are read"

/**
 * `then`, read only when the variable `name` is set (not empty); None, and its variables not even read,
 * otherwise (so that `config` lists the OAuth settings only where they mean something).
 */
const when = (name: string) => <A>(then: Config.Config<A>): Config.Config<Option.Option<A>> =>
  Config.string(name).pipe(
    Config.withDefault(""),
    Config.mapOrFail((value) =>
      value.trim() === "" ? Either.right(Option.none<A>()) : Either.left(ConfigError.InvalidData([name], READ_ON))
    ),
    Config.orElseIf({
      if: (error) => error._op === "InvalidData" && error.message === READ_ON,
      orElse: () => Config.map(then, Option.some)
    })
  )

/**
 * A URL setting: http or https, no query nor fragment; `secure`: https unless its host is a loopback one (what
 * tells the keys must not be open to a man in the middle).
 */
const urlSetting = (name: string, secure: boolean) =>
  Config.string(name).pipe(
    Config.map((s) => s.trim()),
    Config.mapOrFail((text) => {
      const bad = (why: string) => Either.left(ConfigError.InvalidData([name], `${why}, got ${JSON.stringify(text)}`))
      if (!URL.canParse(text)) return bad("expected a URL (https://HOST/PATH)")
      const url = new URL(text)
      if (url.protocol !== "https:" && url.protocol !== "http:") return bad("expected an http or https URL")
      if (secure && url.protocol === "http:" && !Address.isLoopback(url.hostname)) {
        return bad("expected an https URL (http only on loopback)")
      }
      if (url.search !== "" || url.hash !== "" || text.includes("#")) return bad("expected a URL without query or fragment")
      if (url.username !== "" || url.password !== "") return bad("expected a URL without user or password")
      return Either.right(text)
    })
  )

/** A list setting: entries separated by commas (and by spaces when `spaces`), empty ones dropped. */
const listOf = (text: string, spaces: boolean): ReadonlyArray<string> =>
  text.split(spaces ? /[\s,]+/ : ",").map((entry) => entry.trim()).filter((entry) => entry !== "")

/** An OAuth scope (RFC 6749 §3.3): printable ASCII but space, `"` and `\`. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** The OAuth settings, all but the resource (which depends on the address). */
const oauthSettings = Config.all({
  issuer: urlSetting("LLM_GATEWAY_OAUTH_ISSUER", true),
  audience: Config.option(Config.string("LLM_GATEWAY_OAUTH_AUDIENCE").pipe(
    Config.map((text) => listOf(text, false)),
    Config.mapOrFail((list) =>
      list.length > 0
        ? Either.right(list)
        : Either.left(ConfigError.InvalidData(["LLM_GATEWAY_OAUTH_AUDIENCE"], "must name at least one audience"))
    )
  )),
  jwksUrl: Config.option(urlSetting("LLM_GATEWAY_OAUTH_JWKS_URL", true)),
  scopes: Config.string("LLM_GATEWAY_OAUTH_SCOPES").pipe(
    Config.withDefault(""),
    Config.map((text) => listOf(text, true)),
    Config.mapOrFail((list) => {
      const bad = list.find((scope) => !SCOPE.test(scope))
      return bad === undefined
        ? Either.right(list)
        : Either.left(ConfigError.InvalidData(["LLM_GATEWAY_OAUTH_SCOPES"], `${JSON.stringify(bad)} is not a scope`))
    })
  ),
  algorithms: Config.string("LLM_GATEWAY_OAUTH_ALGORITHMS").pipe(
    Config.withDefault(DEFAULT_ALGORITHMS.join(",")),
    Config.map((text) => listOf(text, false)),
    Config.mapOrFail((list) => {
      const bad = list.find((alg) => !DEFAULT_ALGORITHMS.includes(alg))
      if (bad === undefined && list.length > 0) return Either.right(list)
      return Either.left(ConfigError.InvalidData(
        ["LLM_GATEWAY_OAUTH_ALGORITHMS"],
        `expected asymmetric signature algorithms among ${DEFAULT_ALGORITHMS.join(", ")}` +
          (bad === undefined ? "" : `; ${JSON.stringify(bad)} is not one (none and HMAC are never accepted)`)
      ))
    })
  ),
  clockSkewMs: Config.integer("LLM_GATEWAY_OAUTH_CLOCK_SKEW_MS").pipe(
    Config.validate({
      message: `must be an integer from 0 to ${MAX_OAUTH_CLOCK_SKEW_MS}`,
      validation: (n) => n >= 0 && n <= MAX_OAUTH_CLOCK_SKEW_MS
    }),
    Config.withDefault(30_000)
  ),
  fetchTimeoutMs: positiveInt("LLM_GATEWAY_OAUTH_FETCH_TIMEOUT_MS", 5_000),
  jwksCooldownMs: nonNegativeInt("LLM_GATEWAY_OAUTH_JWKS_COOLDOWN_MS", 30_000)
})

/** Hosts that mean every address of this machine: no client reaches the server by them. */
const WILDCARD = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"])

/** The HTTP settings that are read only with `LLM_GATEWAY_HTTP` set: the public URL, and OAuth. */
const httpPublic = when("LLM_GATEWAY_HTTP")(Config.all({
  publicUrl: Config.option(urlSetting("LLM_GATEWAY_HTTP_PUBLIC_URL", false)),
  oauth: when("LLM_GATEWAY_OAUTH_ISSUER")(oauthSettings)
}))

/** The resource of OAuth: the public URL, else the address's `/mcp` URL (not of port 0 nor of a wildcard host). */
const resourceOf = (
  listen: Option.Option<Address.ListenAddress>,
  publicUrl: Option.Option<string>
): Either.Either<string, ConfigError.ConfigError> => {
  if (Option.isSome(publicUrl)) return Either.right(publicUrl.value)
  const why = (text: string) =>
    Either.left(ConfigError.InvalidData(
      ["LLM_GATEWAY_HTTP_PUBLIC_URL"],
      `must be set with LLM_GATEWAY_OAUTH_ISSUER when ${text}: it is the resource that access tokens are for ` +
        `(the MCP endpoint's URL as clients reach it, e.g. https://gw.example.com/mcp)`
    ))
  if (Option.isNone(listen)) return why("no address is configured")
  if (listen.value.port === 0) return why("the port is 0 (any free one)")
  if (WILDCARD.has(listen.value.host)) return why(`the server listens on ${listen.value.host} (every address)`)
  return Either.right(Address.endpointUrl(listen.value))
}

/**
 * The HTTP settings as read from the environment.
 *
 * @since 0.1.0
 * @category config
 */
export const httpConfig: Config.Config<HttpConfig> = Config.all({
  listen: httpListen,
  allowedOrigins: httpAllowedOrigins,
  maxBodyBytes: atLeast("LLM_GATEWAY_HTTP_MAX_BODY_BYTES", 1_024, DEFAULT_HTTP_MAX_BODY_BYTES),
  maxSessions: positiveInt("LLM_GATEWAY_HTTP_MAX_SESSIONS", DEFAULT_HTTP_MAX_SESSIONS),
  sessionIdleMs: positiveInt("LLM_GATEWAY_HTTP_SESSION_IDLE_MS", DEFAULT_HTTP_SESSION_IDLE_MS),
  public: httpPublic
}).pipe(
  Config.mapOrFail(({ public: more, ...http }): Either.Either<HttpConfig, ConfigError.ConfigError> => {
    if (Option.isNone(more)) return Either.right(http)
    const { oauth, publicUrl } = more.value
    const withUrl: HttpConfig = Option.isSome(publicUrl) ? { ...http, publicUrl: publicUrl.value } : http
    if (Option.isNone(oauth)) return Either.right(withUrl)
    const { audience, jwksUrl, ...settings } = oauth.value
    return Either.map(resourceOf(http.listen, publicUrl), (resource): HttpConfig => ({
      ...withUrl,
      oauth: {
        ...settings,
        resource,
        audience: Option.getOrElse(audience, () => [resource]),
        ...(Option.isSome(jwksUrl) ? { jwksUrl: jwksUrl.value } : {})
      }
    }))
  })
)

/**
 * The HTTP settings when none is given: stdio (no address), the loopback
 * origins, the default bounds.
 *
 * @since 0.1.0
 */
export const defaultHttpConfig: HttpConfig = {
  listen: Option.none(),
  allowedOrigins: Origins.DEFAULT_ALLOWED_ORIGINS,
  maxBodyBytes: DEFAULT_HTTP_MAX_BODY_BYTES,
  maxSessions: DEFAULT_HTTP_MAX_SESSIONS,
  sessionIdleMs: DEFAULT_HTTP_SESSION_IDLE_MS
}
