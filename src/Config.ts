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
import * as Redacted from "effect/Redacted"
import { homedir } from "node:os"
import { join } from "node:path"
import { byCli, type Cli } from "./domain/Cli.js"
import { atLeast, nonNegativeInt, positiveInt } from "./configNumbers.js"
import { defaultHttpConfig, type HttpConfig, httpConfig } from "./http/config.js"
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
  /**
   * A PostgreSQL URL (`LLM_GATEWAY_DATABASE_URL`): every store on that
   * database instead of the SQLite file, for gateways on several hosts.
   */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  /**
   * This host's identity as instances record it (`LLM_GATEWAY_HOST_ID`);
   * by default the host name and the kernel's boot id. Only instances of
   * the same host judge each other's pids.
   */
  readonly hostId: Option.Option<string>
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

/**
 * The Streamable HTTP server's settings (defined in `http/config`).
 *
 * @since 0.1.0
 */
export {
  DEFAULT_HTTP_MAX_BODY_BYTES,
  DEFAULT_HTTP_MAX_SESSIONS,
  DEFAULT_HTTP_SESSION_IDLE_MS,
  type HttpConfig,
  MAX_OAUTH_CLOCK_SKEW_MS
} from "./http/config.js"

/** The answer budget: under the 10 MiB an MCP SDK client reads in one message. @since 0.1.0 */
export const DEFAULT_MAX_ANSWER_BYTES = 8 * 1024 * 1024
/** The longest input line read. @since 0.1.0 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
/** Calls answered at once. @since 0.1.0 */
export const DEFAULT_MAX_CONCURRENT_CALLS = 256

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
  databaseUrl: Config.option(Config.redacted("LLM_GATEWAY_DATABASE_URL")).pipe(
    Config.map(Option.filter((url) => Redacted.value(url).trim() !== ""))
  ),
  hostId: Config.option(Config.string("LLM_GATEWAY_HOST_ID")).pipe(
    Config.map(Option.filter((id) => id.trim() !== ""))
  ),
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
  http: httpConfig
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
  databaseUrl: Option.none(),
  hostId: Option.none(),
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
  http: defaultHttpConfig,
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

