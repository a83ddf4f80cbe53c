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
import type { VendorVariables } from "../process/childEnvironment.js"
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
   * (mode 0600 in a folder of mode 0700), appending `[flag, path]` to argv
   * (`[flag, pathPrefix + path]` when the CLI wants the path marked, as
   * copilot's `@<path>`).
   */
  readonly mcpConfig?: {
    readonly flag: string
    readonly config: unknown
    readonly pathPrefix?: string | undefined
  } | undefined
  /**
   * True when `parse` and `classify` need only stdout's JSON lines (the
   * reply is rendered from its events, not the raw text): the runner then
   * reads the lines as they arrive and keeps no copy of the raw stdout.
   */
  readonly readsEventsOnly?: boolean | undefined
  /** The CLI session the run resumes, when it resumes one by id (for `SessionNotFound`). */
  readonly sessionId?: string | undefined
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
  /** The CLI session the run resumed, when it resumed one by id. */
  readonly sessionId?: string | undefined
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
 * What one line of a running CLI's output says about its service:
 * `Unreachable` when the CLI says it cannot reach it (and keeps trying),
 * `Progress` when the line shows the service answered. Lines that say
 * neither are `undefined`. Lines longer than `WATCHED_LINE_MAX` are not
 * read (they carry content, so they count as progress).
 *
 * @since 0.1.0
 */
export type RunSignal =
  | { readonly _tag: "Unreachable"; readonly words: string }
  | { readonly _tag: "Progress" }
  | undefined

/** The longest line a `watch` is given. @since 0.1.0 */
export const WATCHED_LINE_MAX = 8192

/**
 * How to tell that a binary is the CLI the adapter speaks to. Checked once
 * per binary (path and modification time) before its first run, by
 * `cli/CliIdentity`: first the npm package the binary belongs to (when it is
 * one), then its `--version` line, then, where the version line does not
 * tell, its help.
 *
 * @since 0.1.0
 */
export interface CliIdentitySpec {
  /** npm packages that install this CLI. */
  readonly packages: ReadonlyArray<string>
  /** npm packages that install a different program under the same name, and what they are. */
  readonly impostors?: Readonly<Record<string, string>> | undefined
  /** What this CLI's `--version` prints; a line that does not match is another program. */
  readonly version?: RegExp | undefined
  /** Where the version line cannot tell: arguments that print help, and words the help must hold (the flags the adapter passes). */
  readonly help?: { readonly args: ReadonlyArray<string>; readonly markers: ReadonlyArray<string> } | undefined
  /** What to install, in words, for hints. */
  readonly install: string
}

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
  /** Reads the output while the CLI runs, line by line, for signs that it cannot reach its service. Pure. */
  readonly watch?: ((stream: "stdout" | "stderr", line: string) => RunSignal) | undefined
  /** How to tell that a binary is this CLI. */
  readonly identity: CliIdentitySpec
  /** The vendor's variables this CLI inherits from the gateway's environment (no other CLI gets them). */
  readonly environment: VendorVariables
}
