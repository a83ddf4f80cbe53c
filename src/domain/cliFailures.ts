/**
 * The classified failures of a CLI's run, as the provider adapters raise
 * them from what the CLI printed: each with the CLI's own words and what
 * the user can do about it.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Cli } from "./Cli.js"

const CliFailureFields = {
  message: Schema.String,
  cli: Cli,
  /** What the user can do about it. */
  hint: Schema.String,
  /** The CLI's own words, as it printed them. */
  cliMessage: Schema.String,
  exitCode: Schema.NullOr(Schema.Number)
}

/**
 * The CLI is not logged in or its credentials were refused.
 *
 * @since 0.1.0
 */
export class CliAuthRequired extends Schema.TaggedError<CliAuthRequired>()("CliAuthRequired", {
  ...CliFailureFields,
  loginCommand: Schema.String
}) {}

/**
 * The provider throttled the request or a usage quota is exhausted.
 *
 * @since 0.1.0
 */
export class CliRateLimited extends Schema.TaggedError<CliRateLimited>()("CliRateLimited", CliFailureFields) {}

/**
 * The CLI refused to run in a folder it does not trust (gemini exit 55).
 *
 * @since 0.1.0
 */
export class CliWorkspaceUntrusted extends Schema.TaggedError<CliWorkspaceUntrusted>()("CliWorkspaceUntrusted", {
  ...CliFailureFields,
  cwd: Schema.String
}) {}

/**
 * The run stopped at its turn limit (gemini exit 53, claude `error_max_turns`).
 *
 * @since 0.1.0
 */
export class CliTurnLimit extends Schema.TaggedError<CliTurnLimit>()("CliTurnLimit", CliFailureFields) {}

/**
 * The CLI does not know the model it was asked for.
 *
 * @since 0.1.0
 */
export class CliModelUnknown extends Schema.TaggedError<CliModelUnknown>()("CliModelUnknown", {
  ...CliFailureFields,
  model: Schema.optional(Schema.String)
}) {}

/**
 * The CLI could not reach its service: DNS, a refused or reset connection,
 * a proxy, or "fetch failed". Raised when the CLI gave up, or when it kept
 * saying so while it ran (codex's reconnect events, claude's retries of a
 * connection error, gemini's failed attempts) for longer than the network
 * bound (`LLM_GATEWAY_NETWORK_FAIL_AFTER_MS`).
 *
 * @since 0.1.0
 */
export class CliNetworkError extends Schema.TaggedError<CliNetworkError>()("CliNetworkError", {
  ...CliFailureFields,
  /** The host, host:port or URL the CLI named, when it named one. */
  endpoint: Schema.optional(Schema.String),
  /** True when the CLI had already retried by itself, so the gateway does not run it again. */
  retriedByCli: Schema.Boolean
}) {}

/**
 * The CLI finished but reported that the run failed (an error result).
 *
 * @since 0.1.0
 */
export class CliRunFailed extends Schema.TaggedError<CliRunFailed>()("CliRunFailed", CliFailureFields) {}
