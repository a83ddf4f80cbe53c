/**
 * The doctor's check of the Streamable HTTP mode (`LLM_GATEWAY_HTTP`): where
 * the server would listen, whether only this machine can reach it, how it
 * would authenticate (how many bearer tokens the tokens file holds, OAuth),
 * and whether it would start at all: beyond loopback without a token (and
 * without OAuth) it refuses to (`HttpAuthRequired`), and a tokens file it
 * cannot use stops it too. It reads the tokens file as the server does
 * (refusing an unsafe one) and counts its entries; no token or hash is
 * ever shown.
 *
 * @since 0.1.0
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { GatewayConfigShape } from "../Config.js"
import * as Address from "../http/address.js"
import { listTokens, tokensFilePath } from "../http/tokens.js"
import { redact } from "../observability/redact.js"

/**
 * The HTTP mode as the server would run it.
 *
 * - `ok`: it would start, and serve as `authentication` says.
 * - `refused`: it would not start: beyond loopback with no bearer token
 *   and no OAuth (`HttpAuthRequired`); `fix` says what to do.
 * - `unusable`: it would not start: the tokens file is refused (unsafe,
 *   unreadable, not a tokens file); `message` says why.
 *
 * @since 0.1.0
 */
export const HttpCheck = Schema.Struct({
  /** `HOST:PORT`, as `LLM_GATEWAY_HTTP` gives it. */
  address: Schema.String,
  /** The MCP endpoint at that address. */
  url: Schema.String,
  /** True when only this machine can reach it (127.0.0.0/8, `::1`, `localhost`). */
  loopback: Schema.Boolean,
  /** `none`: every local process may use it (loopback only); else what a request must carry. */
  authentication: Schema.Literal("none", "bearer_tokens", "oauth"),
  /** Where the bearer tokens are kept (`LLM_GATEWAY_TOKENS_FILE`). */
  tokensFile: Schema.String,
  /** How many bearer tokens the file holds (a missing file holds none); null when it cannot be read. */
  tokens: Schema.NullOr(Schema.Number),
  /** The OAuth issuer whose access tokens are accepted (`LLM_GATEWAY_OAUTH_ISSUER`), if any. */
  oauthIssuer: Schema.NullOr(Schema.String),
  /**
   * True when tokens would cross a network in clear text: beyond loopback, with no `https`
   * `LLM_GATEWAY_HTTP_PUBLIC_URL` saying that TLS (a reverse proxy) is in front.
   */
  cleartext: Schema.Boolean,
  status: Schema.Literal("ok", "refused", "unusable"),
  /** What was found, in words. */
  message: Schema.String,
  /** What to do about it; null when nothing needs doing. */
  fix: Schema.NullOr(Schema.String)
})

/** @since 0.1.0 */
export type HttpCheck = typeof HttpCheck.Type

/**
 * What to do when the server refuses to listen beyond loopback without
 * tokens (the server's own hint).
 *
 * @since 0.1.0
 */
export const AUTH_REQUIRED_FIX = "add a bearer token first (`llm-cli-gateway token add NAME`; clients then send " +
  "`Authorization: Bearer <token>`), or listen on loopback (`LLM_GATEWAY_HTTP=PORT` or `--http PORT` binds 127.0.0.1)"

/** The OAuth issuer and the public URL, where this configuration has them. */
const extrasOf = (http: GatewayConfigShape["http"]): { readonly issuer: string | null; readonly publicUrl: string | null } => {
  const loose = http as { readonly oauth?: { readonly issuer?: unknown } | undefined; readonly publicUrl?: unknown }
  return {
    issuer: typeof loose.oauth?.issuer === "string" ? loose.oauth.issuer : null,
    publicUrl: typeof loose.publicUrl === "string" ? loose.publicUrl : null
  }
}

/**
 * The check of the HTTP mode of a configuration read from `env`; null when
 * the server speaks stdio (`LLM_GATEWAY_HTTP` unset). Never fails.
 *
 * @since 0.1.0
 */
export const checkHttp = (
  config: GatewayConfigShape,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<HttpCheck | null> =>
  Option.match(config.http.listen, {
    onNone: () => Effect.succeed(null),
    onSome: (listen) =>
      Effect.gen(function*() {
        const entries = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)
        const path = yield* Effect.either(
          Effect.withConfigProvider(tokensFilePath, ConfigProvider.fromMap(new Map(entries)))
        )
        const loopback = Address.isLoopback(listen.host)
        const { issuer, publicUrl } = extrasOf(config.http)
        const base = {
          address: Address.format(listen),
          url: Address.endpointUrl(listen),
          loopback,
          cleartext: !loopback && !(publicUrl ?? "").startsWith("https://"),
          tokensFile: Either.isRight(path) ? path.right : "(LLM_GATEWAY_TOKENS_FILE is not usable)",
          oauthIssuer: issuer
        }
        if (Either.isLeft(path)) {
          return {
            ...base,
            authentication: "none",
            tokens: null,
            status: "unusable",
            message: `the tokens file setting is not usable: ${redact(String(path.left))}`,
            fix: "set LLM_GATEWAY_TOKENS_FILE to a file's path, or unset it (tokens.json in LLM_GATEWAY_HOME)"
          } as const
        }
        const listed = yield* Effect.either(listTokens(path.right))
        if (Either.isLeft(listed)) {
          return {
            ...base,
            authentication: issuer !== null ? "oauth" : "bearer_tokens",
            tokens: null,
            status: "unusable",
            message: `the server would not start: ${redact(listed.left.message)}`,
            fix: "fix the tokens file as the message says, or remove it and add the tokens again (`llm-cli-gateway token add NAME`)"
          } as const
        }
        const tokens = listed.right.length
        const authentication = issuer !== null ? "oauth" : tokens > 0 ? "bearer_tokens" : "none"
        if (!loopback && tokens === 0 && issuer === null) {
          return {
            ...base,
            authentication,
            tokens,
            status: "refused",
            message: `${listen.host} is beyond this machine and the tokens file has no token: the server would ` +
              "refuse to start (HttpAuthRequired)",
            fix: AUTH_REQUIRED_FIX
          } as const
        }
        const how = issuer !== null
          ? `OAuth access tokens of ${issuer} required${tokens > 0 ? `, or a bearer token (${tokens})` : ""}`
          : tokens > 0
          ? `bearer tokens required (${tokens})`
          : "no authentication (loopback only: any process of this machine may use it)"
        return {
          ...base,
          authentication,
          tokens,
          status: "ok",
          message: `${loopback ? "loopback only" : "reachable from other machines"}; ${how}`,
          fix: null
        } as const
      }).pipe(Effect.catchAllDefect((defect) =>
        Effect.succeed({
          address: Address.format(listen),
          url: Address.endpointUrl(listen),
          loopback: Address.isLoopback(listen.host),
          cleartext: false,
          authentication: "none",
          tokensFile: "(unknown)",
          tokens: null,
          oauthIssuer: null,
          status: "unusable",
          message: `the HTTP settings could not be checked: ${redact(String(defect))}`,
          fix: null
        } as const)
      ))
  })
