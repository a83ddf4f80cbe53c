/**
 * The effective configuration: the gateway's configuration read from an
 * environment exactly as the server reads it (`Config.config`), and each
 * variable it read with its value and where the value came from. Values
 * are shown redacted; a variable named like a secret is never shown.
 *
 * @since 0.1.0
 */
import { groups } from "../mcp/toolsets.js"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { homedir, hostname } from "node:os"
import { join } from "node:path"
import { type BinaryConfigShape, config as binaryConfig } from "../binaryConfig.js"
import { config as gatewayConfig, type GatewayConfigShape } from "../Config.js"
import { allClis } from "../domain/Cli.js"
import * as Address from "../http/address.js"
import { DEFAULT_ALGORITHMS } from "../http/oauth.js"
import { REDACTED, redact } from "../observability/redact.js"
import { tokensFilePath } from "../http/tokens.js"
import { isSecretName } from "../observability/secretValues.js"
import { describeUrl } from "../storage/pgUrl.js"

/**
 * One variable of the configuration.
 *
 * @since 0.1.0
 */
export const Setting = Schema.Struct({
  name: Schema.String,
  /** The value in effect, redacted; `(default)` when the default is not a single value. */
  value: Schema.String,
  source: Schema.Literal("env", "default"),
  /** False for an `LLM_GATEWAY_*` variable this version does not read (a typo, or a setting of another version). */
  known: Schema.Boolean
})

/** @since 0.1.0 */
export type Setting = typeof Setting.Type

/**
 * @since 0.1.0
 */
export interface Settings {
  /** The configuration, or why it does not load (the server would not start). */
  readonly config: Either.Either<GatewayConfigShape, string>
  readonly settings: ReadonlyArray<Setting>
}

type Show = (config: GatewayConfigShape) => string

/** The value in effect of each variable whose default is one value. */
const shown: Readonly<Record<string, Show>> = {
  ...Object.fromEntries(allClis.map((cli): [string, Show] => [`LLM_GATEWAY_${cli.toUpperCase()}_BIN`, (c) => c.binaries[cli]])),
  LLM_GATEWAY_HOME: () => join(homedir(), ".llm-cli-gateway"),
  LLM_GATEWAY_JOBS_DB: (c) => c.databasePath,
  LLM_GATEWAY_DATABASE_URL: () => "(unset: the SQLite file of LLM_GATEWAY_JOBS_DB)",
  LLM_GATEWAY_HOST_ID: (c) => Option.getOrElse(c.hostId, () => `(the host name, ${hostname()})`),
  LLM_GATEWAY_LOGS_DB: () => "(unset; the older name of LLM_GATEWAY_JOBS_DB)",
  LLM_GATEWAY_MODEL_ALIASES: () => "(none)",
  LLM_GATEWAY_MCP_SERVERS: (c) => c.mcpServersPath,
  LLM_GATEWAY_IDLE_TIMEOUT_MS: (c) => String(c.idleTimeoutMs),
  LLM_GATEWAY_KILL_GRACE_MS: (c) => String(c.killGraceMs),
  LLM_GATEWAY_MAX_RUN_MS: (c) => String(c.maxRunMs),
  LLM_GATEWAY_NETWORK_FAIL_AFTER_MS: (c) => String(c.networkFailAfterMs),
  LLM_GATEWAY_IDENTIFY_TIMEOUT_MS: (c) => String(c.identifyTimeoutMs),
  LLM_GATEWAY_MAX_OUTPUT_BYTES: (c) => String(c.maxOutputBytes),
  LLM_GATEWAY_GEMINI_TRUST_WORKSPACE: (c) => String(c.geminiTrustWorkspace),
  LLM_GATEWAY_LOG_LEVEL: (c) => c.logLevel.label,
  LLM_GATEWAY_LOG_FORMAT: (c) => c.logFormat,
  LLM_GATEWAY_RECORD_CONTENT: (c) => String(c.recordContent),
  LLM_GATEWAY_RECORD_MAX_CHARS: (c) => String(c.recordMaxChars),
  LLM_GATEWAY_DEDUP_WINDOW_MS: (c) => String(c.dedupWindowMs),
  LLM_GATEWAY_JOB_RETENTION_DAYS: (c) => String(c.jobRetentionDays),
  SYNC_DEADLINE_MS: (c) => String(c.syncDeadlineMs),
  LLM_GATEWAY_MAX_CONCURRENT_JOBS: (c) => String(c.maxConcurrentJobs),
  LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: (c) => String(c.maxConcurrentJobsPerCli),
  LLM_GATEWAY_HEARTBEAT_MS: (c) => String(c.heartbeatMs),
  LLM_GATEWAY_LEASE_MS: (c) => String(c.leaseMs),
  LLM_GATEWAY_FLUSH_INTERVAL_MS: (c) => String(c.flushIntervalMs),
  LLM_GATEWAY_APPROVAL_POLICY: (c) => c.approvalPolicy,
  LLM_GATEWAY_SYNC_REPLY_MAX_CHARS: (c) => String(c.syncReplyMaxChars),
  LLM_GATEWAY_PROGRESS_HEARTBEAT_MS: (c) => String(c.progressHeartbeatMs),
  LLM_GATEWAY_NPM_BIN: (c) => c.npmBinary,
  LLM_GATEWAY_CHILD_ENV: (c) => c.childEnv.join(","),
  LLM_GATEWAY_MAX_ANSWER_BYTES: (c) => String(c.maxAnswerBytes),
  LLM_GATEWAY_MAX_LINE_BYTES: (c) => String(c.maxLineBytes),
  LLM_GATEWAY_MAX_CONCURRENT_CALLS: (c) => String(c.maxConcurrentCalls),
  LLM_GATEWAY_DISABLE_MODEL_DISCOVERY: (c) => String(!c.models.discovery),
  LLM_GATEWAY_RETRY_MAX_ATTEMPTS: (c) => String(c.retry.maxAttempts),
  LLM_GATEWAY_RETRY_BASE_DELAY_MS: (c) => String(c.retry.baseDelayMs),
  LLM_GATEWAY_RETRY_MAX_DELAY_MS: (c) => String(c.retry.maxDelayMs),
  LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: (c) => String(c.circuitBreaker.failureThreshold),
  LLM_GATEWAY_CIRCUIT_OPEN_MS: (c) => String(c.circuitBreaker.openMs),
  LLM_GATEWAY_HTTP: (c) => Option.match(c.http.listen, { onNone: () => "(unset: stdio)", onSome: Address.format }),
  LLM_GATEWAY_HTTP_ALLOWED_ORIGINS: (c) => c.http.allowedOrigins.join(","),
  LLM_GATEWAY_HTTP_MAX_BODY_BYTES: (c) => String(c.http.maxBodyBytes),
  LLM_GATEWAY_HTTP_MAX_SESSIONS: (c) => String(c.http.maxSessions),
  LLM_GATEWAY_HTTP_SESSION_IDLE_MS: (c) => String(c.http.sessionIdleMs),
  LLM_GATEWAY_HTTP_PUBLIC_URL: (c) => c.http.publicUrl ?? "(from the listen address)",
  LLM_GATEWAY_OAUTH_ISSUER: (c) => c.http.oauth?.issuer ?? "(unset: OAuth off)",
  LLM_GATEWAY_OAUTH_AUDIENCE: (c) => c.http.oauth?.audience.join(",") ?? "(the resource)",
  LLM_GATEWAY_OAUTH_JWKS_URL: (c) => c.http.oauth?.jwksUrl ?? "(from the issuer's metadata)",
  LLM_GATEWAY_OAUTH_SCOPES: (c) => c.http.oauth?.scopes.join(" ") ?? "",
  LLM_GATEWAY_OAUTH_ALGORITHMS: (c) => (c.http.oauth?.algorithms ?? DEFAULT_ALGORITHMS).join(","),
  LLM_GATEWAY_OAUTH_CLOCK_SKEW_MS: (c) => String(c.http.oauth?.clockSkewMs ?? ""),
  LLM_GATEWAY_OAUTH_FETCH_TIMEOUT_MS: (c) => String(c.http.oauth?.fetchTimeoutMs ?? ""),
  LLM_GATEWAY_OAUTH_JWKS_COOLDOWN_MS: (c) => String(c.http.oauth?.jwksCooldownMs ?? ""),
  LLM_GATEWAY_TOOLSETS: (c) =>
    c.toolsets.groups.length === groups.length && c.toolsets.clis.length === allClis.length
      ? "all"
      : [...c.toolsets.groups, ...c.toolsets.clis].join(",")
}

/** The value in effect of each variable only the binary reads (`binaryConfig.ts`). */
const shownOfBinary: Readonly<Record<string, (config: BinaryConfigShape) => string>> = {
  LLM_GATEWAY_HEAP: (c) => c.heap,
  LLM_GATEWAY_COMPILE_CACHE: (c) => String(c.compileCache)
}

/** Names of the gateway's own that lack the prefix; shown like the prefixed ones. */
const ownNames: ReadonlySet<string> = new Set(["SYNC_DEADLINE_MS"])

/** Names read only to find folders (`~`): not worth a line. */
const ambient: ReadonlySet<string> = new Set(["HOME"])

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i
/** A variable that names where a secret is kept (`LLM_GATEWAY_TOKENS_FILE`), not the secret. */
const PATH_NAME = /_(FILE|PATH|DIR)$/i

/** The gateway's own settings whose names look like a secret's but whose values are public (an issuer, scopes). */
const PUBLIC_NAME = /^LLM_GATEWAY_OAUTH_/

/**
 * A value as the report shows it: redacted, and nothing at all of a
 * variable named like a secret.
 *
 * @since 0.1.0
 */
export const displayValue = (name: string, value: string): string =>
  name === "LLM_GATEWAY_DATABASE_URL" && value !== "" && !value.startsWith("(")
    ? describeUrl(value)
    : (SECRET_NAME.test(name) || isSecretName(name)) && !PATH_NAME.test(name) && !PUBLIC_NAME.test(name) && value !== ""
    ? REDACTED
    : redact(value)

/** The environment as a provider that remembers every name it is asked for. */
const tracking = (env: Readonly<Record<string, string | undefined>>, asked: Set<string>): ConfigProvider.ConfigProvider => {
  const entries = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)
  const flat = ConfigProvider.fromMap(new Map(entries), { pathDelim: "_", seqDelim: "," }).flattened
  return ConfigProvider.fromFlat(ConfigProvider.makeFlat({
    load: (path, primitive, split) => {
      asked.add(path.join("_"))
      return flat.load(path, primitive, split)
    },
    enumerateChildren: (path) => flat.enumerateChildren(path),
    patch: flat.patch
  }))
}

/**
 * Reads the configuration from `env` and lists its variables: every
 * `LLM_GATEWAY_*` one it reads (set or not), any other it reads that is
 * set, and every `LLM_GATEWAY_*` variable set that it does not read.
 *
 * @since 0.1.0
 */
export const readSettings = (env: Readonly<Record<string, string | undefined>>): Effect.Effect<Settings> =>
  Effect.gen(function*() {
    const asked = new Set<string>()
    const loaded = yield* Effect.either(tracking(env, asked).load(gatewayConfig))
    // Read by the binary alone (its V8 settings), not by the services' configuration; a bad value stops it too.
    const binary = yield* Effect.either(tracking(env, asked).load(binaryConfig))
    // Read by the HTTP transport's token store, not by the services' configuration.
    const tokensFile = yield* Effect.either(tracking(env, asked).load(tokensFilePath))
    const elsewhere: Readonly<Record<string, string>> = Either.isRight(tokensFile)
      ? { LLM_GATEWAY_TOKENS_FILE: tokensFile.right }
      : {}
    const config = Either.mapLeft(
      Either.flatMap(binary, () => loaded),
      (error) => redact(String(error))
    )
    const settings: Array<Setting> = []
    for (const name of [...asked].sort()) {
      const value = env[name]
      const own = name.startsWith("LLM_GATEWAY_") || ownNames.has(name)
      if (ambient.has(name)) continue
      if (value !== undefined) {
        settings.push({ name, value: displayValue(name, value), source: "env", known: true })
      } else if (own) {
        const show = shown[name]
        const showBinary = shownOfBinary[name]
        const effective = elsewhere[name] ??
          (show !== undefined && Either.isRight(config)
            ? show(config.right)
            : showBinary !== undefined && Either.isRight(binary)
            ? showBinary(binary.right)
            : "(default)")
        settings.push({ name, value: displayValue(name, effective), source: "default", known: true })
      }
    }
    for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
      if (value !== undefined && name.startsWith("LLM_GATEWAY_") && !asked.has(name)) {
        settings.push({ name, value: displayValue(name, value), source: "env", known: false })
      }
    }
    return { config, settings }
  })
