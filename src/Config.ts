/**
 * Every environment variable the gateway reads, read once, typed and
 * defaulted. Nothing else in the gateway reads `process.env`.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { homedir } from "node:os"
import { join } from "node:path"
import { byCli, type Cli } from "./domain/Cli.js"
import * as Address from "./http/address.js"
import { DEFAULT_ALGORITHMS, type OAuthSettings } from "./http/oauth.js"
import * as Origins from "./http/origins.js"
import * as Toolsets from "./mcp/toolsets.js"
import { make as makeModelConfig, type ModelConfig, modelConfig } from "./models/config.js"

/**
 * @since 0.1.0
 */
export interface GatewayConfigShape {
  /** The binary to run for each CLI: a name looked up on PATH, or a path. */
  readonly binaries: Readonly<Record<Cli, string>>
  /** Default idle window (ms) when a request gives none. */
  readonly idleTimeoutMs: number
  /** How long a process group gets between SIGTERM and SIGKILL (ms). */
  readonly killGraceMs: number
  /** Default maximum run time of a request, all attempts included (ms), when a request gives none. */
  readonly maxRunMs: number
  /**
   * How long a CLI may keep saying that it cannot reach its service before
   * the run fails with `CliNetworkError` (ms); 0: only when the CLI gives up.
   */
  readonly networkFailAfterMs: number
  /** How long the check that a binary is the right CLI may take (ms); past it, the binary is used unchecked. */
  readonly identifyTimeoutMs: number
  /** Bytes of stdout and of stderr kept per run; the rest is counted and dropped. */
  readonly maxOutputBytes: number
  /** Let gemini run in folders it has not been told to trust (`GEMINI_CLI_TRUST_WORKSPACE=true`). */
  readonly geminiTrustWorkspace: boolean
  /** Minimum level of log lines written to stderr. */
  readonly logLevel: LogLevel.LogLevel
  /** How log lines are written to stderr: logfmt `key=value` lines, or one JSON object per line. */
  readonly logFormat: "logfmt" | "json"
  /** Keep prompts and replies (redacted, clipped) in the flight recorder; false keeps only their sizes. */
  readonly recordContent: boolean
  /** Characters of a prompt or reply the flight recorder keeps, at most. */
  readonly recordMaxChars: number
  /** The SQLite file of jobs (and, later, sessions and the flight recorder); `:memory:` for none. */
  readonly databasePath: string
  /** Identical requests within this window land on the same job; 0 disables dedup. */
  readonly dedupWindowMs: number
  /** Finished jobs older than this many days are purged. */
  readonly jobRetentionDays: number
  /** A sync request still running after this long answers with a deferred job reference; 0 waits forever. */
  readonly syncDeadlineMs: number
  /** Jobs running at once, in all; the rest wait in order as `queued`. */
  readonly maxConcurrentJobs: number
  /** Jobs running at once per CLI. */
  readonly maxConcurrentJobsPerCli: number
  /** How often an instance renews its lease and looks for orphans (ms). */
  readonly heartbeatMs: number
  /** How long an instance's lease lasts without renewal (ms). */
  readonly leaseMs: number
  /** How often a running job's output is written to its row, at most (ms). */
  readonly flushIntervalMs: number
  /** The policy of `mcp_managed` requests that name none (`strict`, `balanced`, `permissive`). */
  readonly approvalPolicy: "strict" | "balanced" | "permissive"
  /** While a caller waits on a silent job, a progress notification at least this often (ms). */
  readonly progressHeartbeatMs: number
  /** Characters of a reply a sync request answers with; the rest is read in pages with `llm_job_result`. */
  readonly syncReplyMaxChars: number
  /** The registry of MCP server definitions that `mcpServers` names resolve against (Claude's `--mcp-config` shape). */
  readonly mcpServersPath: string
  /** The npm used by `cli_upgrade` for npm-installed CLIs. */
  readonly npmBinary: string
  /** Variables a CLI receives beyond the built-in list (names, `PREFIX*`, or `*` for all): `LLM_GATEWAY_CHILD_ENV`. */
  readonly childEnv: ReadonlyArray<string>
  /** Models, aliases, defaults and the config files they are read from (see `models/config`). */
  readonly models: ModelConfig
  /** Retry of transient failures: runs in all (0 or 1: no retry), first delay and cap of the backoff (ms). */
  readonly retry: { readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number }
  /** The per-CLI circuit breaker: consecutive failures that open it (0 disables it), how long it stays open (ms). */
  readonly circuitBreaker: { readonly failureThreshold: number; readonly openMs: number }
  /** The tools served, by group and by CLI (`LLM_GATEWAY_TOOLSETS`, default all; see `mcp/toolsets`). */
  readonly toolsets: Toolsets.Toolsets
  /**
   * The largest message the server sends (bytes of JSON, `LLM_GATEWAY_MAX_ANSWER_BYTES`, default 8 MiB: under
   * the 10 MiB an MCP SDK client reads at most). An answer over it is refused as `AnswerTooLarge`.
   */
  readonly maxAnswerBytes: number
  /** The longest input line (one JSON-RPC message on stdio) read (`LLM_GATEWAY_MAX_LINE_BYTES`, default 16 MiB). */
  readonly maxLineBytes: number
  /** Calls answered at once; one more is refused at once as `Overloaded` (`LLM_GATEWAY_MAX_CONCURRENT_CALLS`). */
  readonly maxConcurrentCalls: number
  /** MCP over Streamable HTTP (`--http`, `LLM_GATEWAY_HTTP_*`): where, and the bounds kept. */
  readonly http: HttpConfig
}

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

/**
 * @since 0.1.0
 * @category tags
 */
export class GatewayConfig extends Context.Tag("llm-cli-gateway/GatewayConfig")<GatewayConfig, GatewayConfigShape>() {}

const binary = (cli: Cli) =>
  Config.string(`LLM_GATEWAY_${cli.toUpperCase()}_BIN`).pipe(
    Config.map((s) => s.trim()),
    Config.validate({ message: "must not be empty", validation: (s) => s.length > 0 }),
    Config.withDefault(cli)
  )

const positiveInt = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 }),
    Config.withDefault(fallback)
  )

const nonNegativeInt = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be 0 or a positive integer", validation: (n) => n >= 0 }),
    Config.withDefault(fallback)
  )

const atLeast = (name: string, min: number, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `must be an integer of at least ${min}`, validation: (n) => n >= min }),
    Config.withDefault(fallback)
  )

/** The answer budget: under the 10 MiB an MCP SDK client reads in one message. @since 0.1.0 */
export const DEFAULT_MAX_ANSWER_BYTES = 8 * 1024 * 1024
/** The longest input line read. @since 0.1.0 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
/** Calls answered at once. @since 0.1.0 */
export const DEFAULT_MAX_CONCURRENT_CALLS = 256

/** The largest HTTP request body read. @since 0.1.0 */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 16 * 1024 * 1024
/** MCP sessions open at once over HTTP. @since 0.1.0 */
export const DEFAULT_HTTP_MAX_SESSIONS = 100
/** How long an HTTP session may stay idle. @since 0.1.0 */
export const DEFAULT_HTTP_SESSION_IDLE_MS = 30 * 60_000

/** The clock skew allowed on OAuth tokens' `exp` and `nbf`, at most. @since 0.1.0 */
export const MAX_OAUTH_CLOCK_SKEW_MS = 5 * 60_000

/** The folder of the gateway's own files. */
const homeFolder = Config.string("LLM_GATEWAY_HOME").pipe(
  Config.withDefault(join(homedir(), ".llm-cli-gateway"))
)

/**
 * `LLM_GATEWAY_JOBS_DB`, else `LLM_GATEWAY_LOGS_DB` (as 1.4.0), else
 * `gateway.db` in the home folder; `none` keeps everything in memory.
 */
const databasePath = Config.all({
  jobs: Config.option(Config.string("LLM_GATEWAY_JOBS_DB")),
  logs: Config.option(Config.string("LLM_GATEWAY_LOGS_DB")),
  home: homeFolder
}).pipe(
  Config.map(({ home, jobs, logs }) => {
    const chosen = jobs._tag === "Some" ? jobs.value : logs._tag === "Some" ? logs.value : join(home, "gateway.db")
    return chosen.trim().toLowerCase() === "none" ? ":memory:" : chosen
  })
)

/** Effect's level names (`Warn`, `Off`, any case), and `Warning` and `None` as README lists them. */
const levelNamed = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((value) => {
      const label = ({ WARNING: "WARN", NONE: "OFF" } as Record<string, string>)[value.trim().toUpperCase()] ??
        value.trim().toUpperCase()
      const level = LogLevel.allLevels.find((l) => l.label === label)
      return level === undefined
        ? Either.left(ConfigError.InvalidData([name], `expected a log level (All, Trace, Debug, Info, Warning, Error, Fatal, None), got ${JSON.stringify(value)}`))
        : Either.right(level)
    })
  )

/** `LLM_GATEWAY_TOOLSETS`: a name that is no toolset stops the server, and the message lists the toolsets. */
const toolsets = Config.string("LLM_GATEWAY_TOOLSETS").pipe(
  Config.withDefault("all"),
  Config.mapOrFail((value) =>
    Either.mapLeft(Toolsets.parse(value), (e) => ConfigError.InvalidData(["LLM_GATEWAY_TOOLSETS"], e.message))
  )
)

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

const logLevel = Config.all({
  level: Config.option(levelNamed("LLM_GATEWAY_LOG_LEVEL")),
  debug: Config.string("DEBUG").pipe(Config.withDefault(""))
}).pipe(
  Config.map(({ debug, level }) => {
    if (level._tag === "Some") return level.value
    const d = debug.trim().toLowerCase()
    return d !== "" && d !== "0" && d !== "false" ? LogLevel.Debug : LogLevel.Info
  })
)

/**
 * The configuration as read from the environment.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<GatewayConfigShape> = Config.all({
  binaries: Config.all(byCli(binary)),
  idleTimeoutMs: positiveInt("LLM_GATEWAY_IDLE_TIMEOUT_MS", 600_000),
  killGraceMs: positiveInt("LLM_GATEWAY_KILL_GRACE_MS", 500),
  maxRunMs: positiveInt("LLM_GATEWAY_MAX_RUN_MS", 3_600_000),
  networkFailAfterMs: nonNegativeInt("LLM_GATEWAY_NETWORK_FAIL_AFTER_MS", 60_000),
  identifyTimeoutMs: positiveInt("LLM_GATEWAY_IDENTIFY_TIMEOUT_MS", 15_000),
  maxOutputBytes: positiveInt("LLM_GATEWAY_MAX_OUTPUT_BYTES", 50 * 1024 * 1024),
  geminiTrustWorkspace: Config.boolean("LLM_GATEWAY_GEMINI_TRUST_WORKSPACE").pipe(Config.withDefault(true)),
  logLevel,
  logFormat: Config.literal("logfmt", "json")("LLM_GATEWAY_LOG_FORMAT").pipe(Config.withDefault("logfmt" as const)),
  recordContent: Config.boolean("LLM_GATEWAY_RECORD_CONTENT").pipe(Config.withDefault(true)),
  recordMaxChars: positiveInt("LLM_GATEWAY_RECORD_MAX_CHARS", 65_536),
  databasePath,
  dedupWindowMs: nonNegativeInt("LLM_GATEWAY_DEDUP_WINDOW_MS", 3_600_000),
  // A number, not only an integer: a fraction of a day serves tests of the purge.
  jobRetentionDays: Config.number("LLM_GATEWAY_JOB_RETENTION_DAYS").pipe(
    Config.validate({ message: "must be a positive number", validation: (n) => n > 0 }),
    Config.withDefault(30)
  ),
  syncDeadlineMs: nonNegativeInt("SYNC_DEADLINE_MS", 45_000),
  maxConcurrentJobs: positiveInt("LLM_GATEWAY_MAX_CONCURRENT_JOBS", 16),
  maxConcurrentJobsPerCli: positiveInt("LLM_GATEWAY_MAX_CONCURRENT_PER_CLI", 8),
  heartbeatMs: positiveInt("LLM_GATEWAY_HEARTBEAT_MS", 2_000),
  leaseMs: positiveInt("LLM_GATEWAY_LEASE_MS", 30_000),
  flushIntervalMs: positiveInt("LLM_GATEWAY_FLUSH_INTERVAL_MS", 1_000),
  approvalPolicy: Config.literal("strict", "balanced", "permissive")("LLM_GATEWAY_APPROVAL_POLICY").pipe(
    Config.withDefault("balanced" as const)
  ),
  syncReplyMaxChars: positiveInt("LLM_GATEWAY_SYNC_REPLY_MAX_CHARS", 200_000),
  progressHeartbeatMs: positiveInt("LLM_GATEWAY_PROGRESS_HEARTBEAT_MS", 15_000),
  mcpServersPath: Config.all({
    path: Config.option(Config.string("LLM_GATEWAY_MCP_SERVERS")),
    home: homeFolder
  }).pipe(Config.map(({ home, path }) => path._tag === "Some" ? path.value : join(home, "mcp-servers.json"))),
  npmBinary: Config.string("LLM_GATEWAY_NPM_BIN").pipe(Config.withDefault("npm")),
  childEnv: Config.string("LLM_GATEWAY_CHILD_ENV").pipe(
    Config.withDefault(""),
    Config.map((list) => list.split(",").map((name) => name.trim()).filter((name) => name !== ""))
  ),
  models: modelConfig,
  retry: Config.all({
    maxAttempts: nonNegativeInt("LLM_GATEWAY_RETRY_MAX_ATTEMPTS", 3),
    baseDelayMs: positiveInt("LLM_GATEWAY_RETRY_BASE_DELAY_MS", 1_000),
    maxDelayMs: positiveInt("LLM_GATEWAY_RETRY_MAX_DELAY_MS", 30_000)
  }),
  circuitBreaker: Config.all({
    failureThreshold: nonNegativeInt("LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD", 5),
    openMs: positiveInt("LLM_GATEWAY_CIRCUIT_OPEN_MS", 60_000)
  }),
  toolsets,
  maxAnswerBytes: atLeast("LLM_GATEWAY_MAX_ANSWER_BYTES", 65_536, DEFAULT_MAX_ANSWER_BYTES),
  maxLineBytes: atLeast("LLM_GATEWAY_MAX_LINE_BYTES", 65_536, DEFAULT_MAX_LINE_BYTES),
  maxConcurrentCalls: positiveInt("LLM_GATEWAY_MAX_CONCURRENT_CALLS", DEFAULT_MAX_CONCURRENT_CALLS),
  http: Config.all({
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
})

/**
 * Reads the configuration from the environment (through the current
 * `ConfigProvider`), failing at start-up on a malformed value.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<GatewayConfig, import("effect/ConfigError").ConfigError> = Layer.effect(
  GatewayConfig,
  config
)

/**
 * The defaults, with overrides: for tests and for embedding apps that do
 * not read the environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const make = (overrides: Partial<GatewayConfigShape> = {}): GatewayConfigShape => ({
  binaries: byCli((cli) => cli),
  idleTimeoutMs: 600_000,
  killGraceMs: 500,
  maxRunMs: 3_600_000,
  networkFailAfterMs: 60_000,
  identifyTimeoutMs: 15_000,
  maxOutputBytes: 50 * 1024 * 1024,
  geminiTrustWorkspace: true,
  logLevel: LogLevel.Info,
  logFormat: "logfmt",
  recordContent: true,
  recordMaxChars: 65_536,
  databasePath: ":memory:",
  dedupWindowMs: 3_600_000,
  jobRetentionDays: 30,
  syncDeadlineMs: 45_000,
  maxConcurrentJobs: 16,
  maxConcurrentJobsPerCli: 8,
  heartbeatMs: 2_000,
  leaseMs: 30_000,
  flushIntervalMs: 1_000,
  approvalPolicy: "balanced",
  syncReplyMaxChars: 200_000,
  progressHeartbeatMs: 15_000,
  mcpServersPath: "/nonexistent/llm-cli-gateway/mcp-servers.json",
  npmBinary: "npm",
  childEnv: [],
  // Tests never read the real home: no config files, no history.
  models: makeModelConfig({
    paths: {
      claudeSettings: "/nonexistent/claude/settings.json",
      claudeSettingsLocal: "/nonexistent/claude/settings.local.json",
      codexConfig: "/nonexistent/codex/config.toml",
      geminiSettings: "/nonexistent/gemini/settings.json",
      geminiHistoryRoot: "/nonexistent/gemini/tmp"
    },
    discovery: false
  }),
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  circuitBreaker: { failureThreshold: 5, openMs: 60_000 },
  toolsets: Toolsets.all,
  maxAnswerBytes: DEFAULT_MAX_ANSWER_BYTES,
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  maxConcurrentCalls: DEFAULT_MAX_CONCURRENT_CALLS,
  http: {
    listen: Option.none(),
    allowedOrigins: Origins.DEFAULT_ALLOWED_ORIGINS,
    maxBodyBytes: DEFAULT_HTTP_MAX_BODY_BYTES,
    maxSessions: DEFAULT_HTTP_MAX_SESSIONS,
    sessionIdleMs: DEFAULT_HTTP_SESSION_IDLE_MS
  },
  ...overrides
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (overrides: Partial<GatewayConfigShape> = {}): Layer.Layer<GatewayConfig> =>
  Layer.succeed(GatewayConfig, make(overrides))

/**
 * The configuration a server gets with no environment variable set — the
 * production defaults (the database in `~/.llm-cli-gateway`, the MCP
 * servers file beside it, model discovery on) — with overrides, for an app
 * that configures the gateway in code. The environment is not read: the
 * defaults come from an empty `ConfigProvider`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFrom = (overrides: Partial<GatewayConfigShape> = {}): Layer.Layer<GatewayConfig> =>
  Layer.effect(
    GatewayConfig,
    Effect.map(
      Effect.orDie(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map()))),
      (defaults): GatewayConfigShape => ({ ...defaults, ...overrides })
    )
  )

