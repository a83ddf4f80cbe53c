/**
 * What an adapter for one CLI is: pure functions from a decoded request to
 * an invocation plan, and from the CLI's output to a reply or a classified
 * failure. All knowledge of a CLI's flags and formats lives in its adapter.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { Cli } from "../domain/Cli.js"
import type { CliFailure, InvalidRequest } from "../domain/errors.js"
import type { Usage } from "../domain/Usage.js"
import type { JsonStream } from "./jsonl.js"

/**
 * How the prompt reaches the CLI. Never as an option value in argv.
 *
 * - `Stdin`: written to the child's stdin, which is then closed.
 * - `File`: written to a private temporary file (mode 0600 in a folder of
 *   mode 0700); the runner appends `[flag, path]` to the argv and removes the
 *   file when the run ends.
 *
 * @since 0.1.0
 */
export type PromptDelivery =
  | { readonly _tag: "Stdin"; readonly text: string }
  | { readonly _tag: "File"; readonly flag: string; readonly text: string }

/**
 * The plan for one run of a CLI.
 *
 * @since 0.1.0
 */
export interface Invocation {
  readonly cli: Cli
  /** The arguments after the binary. No element comes from free request text. */
  readonly args: ReadonlyArray<string>
  readonly prompt: PromptDelivery
  /** Variables to set in the child's environment, on top of the inherited ones. */
  readonly env: Readonly<Record<string, string>>
  /** The model asked for, when one was (for the reply's metadata). */
  readonly model: string | undefined
  /** The format the caller asked for; `parse` renders the reply text in it. */
  readonly outputFormat: string
  /**
   * An MCP configuration the runner writes to a private temporary file
   * (mode 0600 in a folder of mode 0700), appending `[flag, path]` to argv.
   */
  readonly mcpConfig?: { readonly flag: string; readonly config: unknown } | undefined
  /**
   * True when `parse` and `classify` need only stdout's JSON lines (the
   * reply is rendered from its events, not the raw text): the runner then
   * reads the lines as they arrive and keeps no copy of the raw stdout.
   */
  readonly readsEventsOnly?: boolean | undefined
}

/**
 * What the CLI printed, as the runner kept it.
 *
 * @since 0.1.0
 */
export interface RawOutput {
  /** The kept stdout; only its last few kilobytes when `events` is given. */
  readonly stdout: string
  /** stdout already read as JSON lines while it arrived (for `readsEventsOnly` invocations). */
  readonly events?: JsonStream | undefined
  readonly stderr: string
  /** True when the runner dropped part of stdout past its byte cap. */
  readonly stdoutTruncated: boolean
}

/**
 * How a run ended, for classification.
 *
 * @since 0.1.0
 */
export interface FailedRun extends RawOutput {
  readonly exitCode: number | null
  readonly signal: string | null
  readonly command: string
  /** The model asked for, when one was. */
  readonly model: string | undefined
  readonly cwd: string
}

/**
 * The parsed answer of a successful run.
 *
 * @since 0.1.0
 */
export interface Reply {
  /** The reply, rendered in the caller's output format. */
  readonly text: string
  /** The CLI's own session id, when it reported one. */
  readonly sessionId: string | undefined
  /** The model that answered, when the CLI reported it. */
  readonly model: string | undefined
  readonly usage: Usage | undefined
  readonly costUsd: number | undefined
}

/**
 * What the approval step decided for a request.
 *
 * @since 0.1.0
 */
export interface PlanContext {
  /**
   * Whether the CLI's own bypass flags (claude `bypassPermissions`, codex
   * `--dangerously-bypass-approvals-and-sandbox`, gemini `yolo`, grok
   * `--always-approve` / `bypassPermissions`) may be passed when the request
   * asks for them: always under the `legacy` strategy, under `mcp_managed`
   * only when the policy approved a bypass.
   */
  readonly bypassAllowed: boolean
  /**
   * The MCP servers of the request that the user's registry defines, and a
   * `--mcp-config` document holding just them. Absent: none resolved.
   */
  readonly mcpServers?: {
    readonly enabled: ReadonlyArray<string>
    readonly config: { readonly mcpServers: Readonly<Record<string, unknown>> }
  } | undefined
}

/**
 * The context when no approval step ran: bypasses as the `legacy`
 * strategy allows them, none under `mcp_managed`.
 *
 * @since 0.1.0
 */
export const defaultPlanContext = (request: { readonly approvalStrategy: string }): PlanContext => ({
  bypassAllowed: request.approvalStrategy === "legacy"
})

/**
 * @since 0.1.0
 */
export interface Provider<Request> {
  readonly cli: Cli
  /** Builds the invocation, or refuses the request. Pure. */
  readonly plan: (request: Request, context?: PlanContext) => Either.Either<Invocation, InvalidRequest>
  /**
   * Parses the output of a run that exited 0. Tolerant: unknown fields and
   * non-JSON lines are skipped. Fails when the output itself reports an
   * error result (for example claude's `is_error: true`).
   */
  readonly parse: (invocation: Invocation, output: RawOutput) => Either.Either<Reply, CliFailure>
  /** Classifies a run that exited non-zero or by a signal. Pure. */
  readonly classify: (run: FailedRun) => CliFailure
}
