/**
 * Every failure the gateway reports, as tagged errors that serialize.
 *
 * Each carries a readable `message` and the fields a caller needs to act
 * (exit code, signal, the CLI's own words, the command to run next).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Cli } from "./Cli.js"
import { ApprovalPolicy } from "./requests.js"
import { UpgradeFailed, UpgradeTargetInvalid, UpgradeTimedOut } from "./upgradeErrors.js"

export { UpgradeFailed, UpgradeTargetInvalid, UpgradeTimedOut } from "./upgradeErrors.js"
import { CliIncompatible, RunTimedOut } from "./runErrors.js"

export { CliIncompatible, RunTimedOut } from "./runErrors.js"
import { McpRegistryInvalid, McpServersMissing } from "./mcpServerErrors.js"

export { McpRegistryInvalid, McpServersMissing } from "./mcpServerErrors.js"
import {
  CliAuthRequired,
  CliModelUnknown,
  CliNetworkError,
  CliRateLimited,
  CliRunFailed,
  CliTurnLimit,
  CliWorkspaceUntrusted
} from "./cliFailures.js"

export * from "./cliFailures.js"

const NullableNumber = Schema.NullOr(Schema.Number)
const NullableString = Schema.NullOr(Schema.String)

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/**
 * A request the gateway refuses before any process starts.
 *
 * @since 0.1.0
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  field: Schema.optional(Schema.String)
}) {}

// ---------------------------------------------------------------------------
// Process (raised by CommandRunner)
// ---------------------------------------------------------------------------

/**
 * The binary is not on PATH or not executable.
 *
 * @since 0.1.0
 */
export class CliNotFound extends Schema.TaggedError<CliNotFound>()("CliNotFound", {
  message: Schema.String,
  command: Schema.String,
  cli: Schema.optional(Cli),
  hint: Schema.String
}) {}

/**
 * The operating system refused to start the process.
 *
 * @since 0.1.0
 */
export class SpawnFailed extends Schema.TaggedError<SpawnFailed>()("SpawnFailed", {
  message: Schema.String,
  command: Schema.String,
  code: Schema.optional(Schema.String)
}) {}

/**
 * The process ended with a non-zero exit code or by a signal, and nothing
 * more specific could be said about why.
 *
 * @since 0.1.0
 */
export class CliExitedNonZero extends Schema.TaggedError<CliExitedNonZero>()("CliExitedNonZero", {
  message: Schema.String,
  command: Schema.String,
  cli: Schema.optional(Cli),
  exitCode: NullableNumber,
  signal: NullableString,
  stderrTail: Schema.String,
  stdoutTail: Schema.String,
  /** What the user can do, when the gateway can tell (an unknown option, a refusal to run as root). */
  hint: Schema.optional(Schema.String)
}) {}

/**
 * No output arrived for the idle window; the process group was ended.
 *
 * @since 0.1.0
 */
export class IdleTimeout extends Schema.TaggedError<IdleTimeout>()("IdleTimeout", {
  message: Schema.String,
  command: Schema.String,
  cli: Schema.optional(Cli),
  idleTimeoutMs: Schema.Number
}) {}

// ---------------------------------------------------------------------------
// Jobs and storage
// ---------------------------------------------------------------------------

/**
 * The database could not be read or written (locked past the busy timeout,
 * read-only, corrupt).
 *
 * @since 0.1.0
 */
export class StorageError extends Schema.TaggedError<StorageError>()("StorageError", {
  message: Schema.String,
  operation: Schema.String,
  path: Schema.optional(Schema.String)
}) {}

/**
 * No job has this id (in this database, within retention).
 *
 * @since 0.1.0
 */
export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", {
  message: Schema.String,
  jobId: Schema.String
}) {}

/**
 * The job was canceled (by `llm_job_cancel`, MCP cancellation, or the
 * server shutting down).
 *
 * @since 0.1.0
 */
export class JobCanceled extends Schema.TaggedError<JobCanceled>()("JobCanceled", {
  message: Schema.String,
  jobId: Schema.optional(Schema.String)
}) {}

/**
 * The server that ran the job went away before it ended; the output it had
 * flushed is kept.
 *
 * @since 0.1.0
 */
export class JobOrphaned extends Schema.TaggedError<JobOrphaned>()("JobOrphaned", {
  message: Schema.String,
  jobId: Schema.optional(Schema.String)
}) {}

/**
 * A bug of the gateway's own: the message says what broke; details are in
 * the server's log.
 *
 * @since 0.1.0
 */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {
  message: Schema.String
}) {}

/**
 * A `mcp_managed` request that its approval policy denied, before any
 * process started. `reasons` says what was denied and why; `message` says
 * the same and how to proceed. The decision is in the approval log under
 * `approvalId`.
 *
 * @since 0.1.0
 */
export class ApprovalDenied extends Schema.TaggedError<ApprovalDenied>()("ApprovalDenied", {
  message: Schema.String,
  cli: Cli,
  policy: ApprovalPolicy,
  /** What the policy refused, one line each. */
  reasons: Schema.Array(Schema.String),
  risk: Schema.Literal("low", "medium", "high"),
  /** The id of the recorded decision (see `approval_list`). */
  approvalId: Schema.optional(Schema.String)
}) {}

/**
 * No session has this id (it was never created or recorded, or it was
 * deleted).
 *
 * @since 0.1.0
 */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  message: Schema.String,
  sessionId: Schema.String,
  /** The CLI that did not know it, when a CLI said so (its own words in `cliMessage`). */
  cli: Schema.optional(Cli),
  cliMessage: Schema.optional(Schema.String),
  hint: Schema.optional(Schema.String)
}) {}

/**
 * The session belongs to another CLI than the one it was used with.
 *
 * @since 0.1.0
 */
export class SessionCliMismatch extends Schema.TaggedError<SessionCliMismatch>()("SessionCliMismatch", {
  message: Schema.String,
  sessionId: Schema.String,
  /** The CLI it was used with. */
  cli: Cli,
  /** The CLI the session belongs to. */
  sessionCli: Cli
}) {}

/**
 * A gateway session (`gw-…`) was given where a CLI conversation is needed,
 * and no request has run in it yet, so it stands for no conversation.
 *
 * @since 0.1.0
 */
export class GatewaySessionUnlinked extends Schema.TaggedError<GatewaySessionUnlinked>()("GatewaySessionUnlinked", {
  message: Schema.String,
  sessionId: Schema.String,
  cli: Cli,
  /** The request field that named it. */
  field: Schema.String
}) {}

/**
 * The CLI's circuit breaker is open: its recent runs kept failing, so the
 * gateway fails fast instead of starting it again until the cool-down ends.
 *
 * @since 0.1.0
 */
export class CircuitOpen extends Schema.TaggedError<CircuitOpen>()("CircuitOpen", {
  message: Schema.String,
  cli: Cli,
  /** How long until the breaker lets a trial run through (ms). */
  retryAfterMs: Schema.Number,
  hint: Schema.String
}) {}

/**
 * An answer that would not fit in one message the client can take (the
 * gateway's answer budget, `LLM_GATEWAY_MAX_ANSWER_BYTES`): nothing of it is
 * sent; `hint` says how to ask for it in smaller pieces.
 *
 * @since 0.1.0
 */
export class AnswerTooLarge extends Schema.TaggedError<AnswerTooLarge>()("AnswerTooLarge", {
  message: Schema.String,
  /** The size the answer would have had (bytes of JSON). */
  bytes: Schema.Number,
  /** The budget of one answer (bytes). */
  limit: Schema.Number,
  hint: Schema.String
}) {}

/**
 * The server is already answering as many calls as it admits at once
 * (`LLM_GATEWAY_MAX_CONCURRENT_CALLS`); the call was not started. Retry
 * after one of the caller's other calls has answered.
 *
 * @since 0.1.0
 */
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", {
  message: Schema.String,
  /** Calls answered at once, at most. */
  limit: Schema.Number,
  hint: Schema.String
}) {}

/**
 * What a failed run is classified as.
 *
 * @since 0.1.0
 */
export type CliFailure =
  | CliAuthRequired
  | CliRateLimited
  | CliWorkspaceUntrusted
  | CliTurnLimit
  | CliModelUnknown
  | CliRunFailed
  | CliNetworkError
  | SessionNotFound
  | CliExitedNonZero

/**
 * What running a command can fail with.
 *
 * @since 0.1.0
 */
export type CommandError = CliNotFound | SpawnFailed | CliExitedNonZero | IdleTimeout

/**
 * Every error a request tool can answer with.
 *
 * @since 0.1.0
 */
export const GatewayError = Schema.Union(
  InvalidRequest,
  CliNotFound,
  SpawnFailed,
  CliExitedNonZero,
  IdleTimeout,
  CliAuthRequired,
  CliRateLimited,
  CliWorkspaceUntrusted,
  CliTurnLimit,
  CliModelUnknown,
  CliRunFailed,
  StorageError,
  JobNotFound,
  JobCanceled,
  JobOrphaned,
  InternalError,
  ApprovalDenied,
  SessionNotFound,
  SessionCliMismatch,
  GatewaySessionUnlinked,
  UpgradeTargetInvalid,
  UpgradeFailed,
  UpgradeTimedOut,
  McpServersMissing,
  McpRegistryInvalid,
  CircuitOpen,
  CliNetworkError,
  CliIncompatible,
  RunTimedOut,
  AnswerTooLarge,
  Overloaded
)

/** @since 0.1.0 */
export type GatewayError = typeof GatewayError.Type
