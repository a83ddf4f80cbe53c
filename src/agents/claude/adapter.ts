/**
 * The adapter for Claude Code (`claude -p`).
 *
 * The prompt always travels on stdin; claude always runs with
 * `--output-format stream-json --verbose` so that the runner sees output
 * while it works and the adapter gets the session id, usage and cost; the
 * reply is then rendered in the format the caller asked for.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import {
  CliExitedNonZero,
  CliModelUnknown,
  CliRateLimited,
  CliTurnLimit,
  type CliFailure,
  type InvalidRequest
} from "../../domain/errors.js"
import type { ClaudeAsyncRequest } from "./request.js"
import { cliWords, NETWORK, sessionNotFound, tail, withRetriedByCli } from "../../providers/classify.js"
import {
  classifyFailedRun,
  classifyReported,
  type JsonObject,
  num,
  readWholeObject,
  str
} from "../../providers/jsonl.js"
import {
  defaultPlanContext,
  type FailedRun,
  type Invocation,
  type PlanContext,
  type Provider,
  type RawOutput,
  type Reply,
  type RunSignal
} from "../../providers/Provider.js"
import {
  costOfResult,
  cutShort,
  isErrorResult,
  read,
  resultWords,
  usageOfResult
} from "./stream.js"
import { sessionChoice } from "../../providers/sessions.js"

/**
 * A claude request, sync or async (the sync one adds `optimizeResponse`,
 * which is not the adapter's business).
 *
 * @since 0.1.0
 */
export type ClaudeInput = typeof ClaudeAsyncRequest.Type

/**
 * @since 0.1.0
 */
export interface ClaudeOptions {
  /** The model to ask for when a request names none (`CLAUDE_DEFAULT_MODEL`). */
  readonly defaultModel?: string | undefined
}

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

const sessionArgs = (request: ClaudeInput): Either.Either<{ readonly args: ReadonlyArray<string>; readonly id?: string }, InvalidRequest> =>
  Either.map(
    sessionChoice(request, request.continueSession, {
      idName: "claude session id",
      advice:
        "pass the CLI session id that session_get reports, or omit sessionId (set continueSession to resume the latest conversation)"
    }),
    (choice) =>
      choice._tag === "Id"
        ? { args: ["--resume", choice.id], id: choice.id }
        : { args: choice._tag === "Latest" ? ["--continue"] : [] }
  )

// `--allowedTools=NAME` (one element per tool): claude's tool options take a
// variable number of values, so the separate-value form would also take any
// later positional; the `=` form takes exactly one value.
const toolArgs = (flag: string, tools: ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  (tools ?? []).map((tool) => `${flag}=${tool}`)

const plan =
  (options: ClaudeOptions) =>
  (request: ClaudeInput, context: PlanContext = defaultPlanContext(request)): Either.Either<Invocation, InvalidRequest> =>
    Either.map(sessionArgs(request), (session) => {
      const model = request.model ?? options.defaultModel
      const args: Array<string> = ["-p", "--output-format", "stream-json", "--verbose"]
      if (request.outputFormat === "stream-json") args.push("--include-partial-messages")
      if (model !== undefined) args.push("--model", model)
      args.push(...toolArgs("--allowedTools", request.allowedTools))
      args.push(...toolArgs("--disallowedTools", request.disallowedTools))
      // `--add-dir` takes a variable number of values too: one `=` element per folder.
      args.push(...toolArgs("--add-dir", request.addDirs))
      if (request.effort !== undefined) args.push("--effort", request.effort)
      if (request.dangerouslySkipPermissions && context.bypassAllowed) {
        args.push("--permission-mode", "bypassPermissions")
      }
      // Only the servers given here (none when none resolved), not the user's own configuration.
      if (request.strictMcpConfig) args.push("--strict-mcp-config")
      const mcp = context.mcpServers
      args.push(...session.args)
      return {
        cli: "claude",
        ...(session.id !== undefined ? { sessionId: session.id } : {}),
        args,
        prompt: { _tag: "Stdin", text: request.prompt },
        env: {},
        model,
        outputFormat: request.outputFormat,
        // Only the raw stream-json format needs stdout verbatim; the others are rendered from its events.
        readsEventsOnly: request.outputFormat !== "stream-json",
        ...(mcp !== undefined && mcp.enabled.length > 0
          ? { mcpConfig: { flag: "--mcp-config", config: mcp.config } }
          : {})
      } satisfies Invocation
    })

// claude's own words for a model it cannot use ("There's an issue with the
// selected model (x). It may not exist or you may not have access to it.",
// or the API's `not_found_error` naming the model).
const CLAUDE_MODEL = /\b(issue with the selected model|model[^\n]{0,80}may not exist|not_found_error[^\n]{0,60}model)/i
// claude's own words for a subscription limit ("You've hit your limit ·
// resets 4pm (UTC)", "Claude AI usage limit reached|1700000000").
const CLAUDE_RATE = /\b(hit your (usage )?limit|usage limit reached|daily_limit_reached|(5|five)-hour limit|weekly limit)/i

// claude's words for a session id it does not know ("No conversation found
// with session ID: <id>", in the result's `errors` and on stderr).
const UNKNOWN_SESSION = /No conversation found with session ID:?\s*([^\s"]{0,200})/i
// claude refuses bypass as root: "--dangerously-skip-permissions cannot be
// used with root/sudo privileges for security reasons".
const ROOT_REFUSAL = /cannot be used with root\/sudo privileges/i

/** The hint of claude's refusal to bypass permissions as root. @since 0.1.0 */
export const ROOT_HINT =
  "claude refuses to bypass permissions as root. Run the gateway as an ordinary user; inside a container or sandbox, " +
  "claude's own escape is IS_SANDBOX=1 in its environment (LLM_GATEWAY_CHILD_ENV=IS_SANDBOX with IS_SANDBOX=1 set for the gateway); " +
  "or leave out dangerouslySkipPermissions."

/** What only claude says, before the shared rules. */
const claudeSpecific = (
  haystack: string,
  words: string,
  exitCode: number | null,
  model: string | undefined,
  sessionId?: string | undefined
): CliFailure | undefined => {
  const unknownSession = UNKNOWN_SESSION.exec(haystack)
  if (unknownSession !== null) {
    const named = unknownSession[1] !== undefined && unknownSession[1] !== "" ? unknownSession[1] : undefined
    return sessionNotFound("claude", sessionId ?? named, unknownSession[0].trim())
  }
  if (CLAUDE_MODEL.test(haystack)) {
    return new CliModelUnknown({
      message: `claude does not know the model${model !== undefined ? ` "${model}"` : ""}: ${words}`,
      cli: "claude",
      hint: "Call list_models for the models claude offers, or omit `model` to use its default.",
      cliMessage: words,
      exitCode,
      ...(model !== undefined ? { model } : {})
    })
  }
  if (CLAUDE_RATE.test(haystack)) {
    return new CliRateLimited({
      message: `claude reached its usage limit: ${words}`,
      cli: "claude",
      hint: "Wait until the limit resets (the message says when), or switch to another model or CLI.",
      cliMessage: words,
      exitCode
    })
  }
  return undefined
}

const turnLimit = (result: JsonObject, words: string, exitCode: number | null): CliTurnLimit => {
  const turns = num(result, "num_turns")
  return new CliTurnLimit({
    message: `claude stopped at its turn limit${turns !== undefined ? ` after ${turns} turns` : ""}: ${words}`,
    cli: "claude",
    hint: "Resume the session (sessionId) to let it continue, or split the task into smaller steps.",
    cliMessage: words,
    exitCode
  })
}

const failureOfResult = (
  result: JsonObject,
  exitCode: number | null,
  model: string | undefined,
  sessionId: string | undefined
): CliFailure => {
  const words = resultWords(result)
  if (str(result, "subtype") === "error_max_turns") return turnLimit(result, words, exitCode)
  return claudeSpecific(words, words, exitCode, model, sessionId) ?? classifyReported("claude", words, { exitCode, model })
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

const trimTrailingNewlines = (s: string): string => s.replace(/[\r\n]+$/, "")


const parse = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const stream = read(output)
  const { result } = stream
  if (result !== undefined && isErrorResult(result)) {
    return Either.left(
      withRetriedByCli(
        failureOfResult(result, 0, invocation.model, invocation.sessionId),
        stream.events.some((e) => str(e, "subtype") === "api_retry")
      )
    )
  }
  const cut = cutShort("claude", stream)
  if (cut !== undefined) return Either.left(cut)
  const resultText = str(result, "result")
  const text =
    stream.events.length === 0
      ? (output.events !== undefined ? stream.noise.join("\n") : trimTrailingNewlines(output.stdout))
      : (resultText ?? stream.assistantText ?? stream.partialText ?? stream.noise.join("\n"))
  const sessionId = stream.sessionId
  const usage = usageOfResult(result)
  const costUsd = costOfResult(result)
  let rendered: string
  switch (invocation.outputFormat) {
    case "stream-json":
      rendered = output.stdout
      break
    case "json":
      rendered = JSON.stringify(
        result !== undefined
          ? result
          : {
              // No result event (the output was cut short): the same shape,
              // from what was read.
              type: "result",
              subtype: "incomplete",
              is_error: false,
              result: text,
              ...(sessionId !== undefined ? { session_id: sessionId } : {})
            }
      )
      break
    default:
      rendered = text
  }
  return Either.right({
    text: rendered,
    sessionId,
    model: stream.model ?? invocation.model,
    usage,
    costUsd
  })
}

// ---------------------------------------------------------------------------
// classify
// ---------------------------------------------------------------------------

const classify = (run: FailedRun): CliFailure => {
  const stream = read(run)
  const { result } = stream
  if (result !== undefined && str(result, "subtype") === "error_max_turns") {
    return turnLimit(result, resultWords(result), run.exitCode)
  }
  const reported = result !== undefined && isErrorResult(result) ? resultWords(result) : undefined
  const noise = stream.noise.join("\n")
  // Only error words are searched: the JSON event lines may quote anything
  // the model said.
  const haystack = [run.stderr, noise, reported ?? ""].join("\n")
  const words = reported ?? cliWords({ stderr: run.stderr, stdout: noise })
  if (ROOT_REFUSAL.test(run.stderr)) {
    return new CliExitedNonZero({
      message: `claude refused to run: ${cliWords({ stderr: run.stderr, stdout: "" })}`,
      command: run.command,
      cli: "claude",
      exitCode: run.exitCode,
      signal: run.signal,
      stderrTail: tail(run.stderr),
      stdoutTail: tail(run.stdout),
      hint: ROOT_HINT
    })
  }
  const failure = claudeSpecific(haystack, words, run.exitCode, run.model, run.sessionId) ??
    classifyFailedRun("claude", run, haystack, words)
  // claude announces each retry of a failed API call with a `system/api_retry` event.
  return withRetriedByCli(failure, stream.events.some((e) => str(e, "subtype") === "api_retry"))
}

// ---------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------

/**
 * claude retries a failed API call by itself, announcing each retry with a
 * `system/api_retry` event; `error_status: null` means no HTTP answer came
 * (DNS, a refused connection, a proxy). Assistant output means the service
 * answered.
 */
const watch = (stream: "stdout" | "stderr", line: string): RunSignal => {
  if (stream === "stderr") return NETWORK.test(line) ? { _tag: "Unreachable", words: line.slice(0, 500) } : undefined
  if (line.includes('"api_retry"')) {
    const event = readWholeObject(line)
    if (event === undefined || str(event, "subtype") !== "api_retry") return undefined
    if (event["error_status"] !== null && event["error_status"] !== undefined) return undefined
    const attempt = num(event, "attempt")
    const max = num(event, "max_retries")
    return {
      _tag: "Unreachable",
      words: `API connection failed (${str(event, "error") ?? "no HTTP answer"}); claude is retrying${
        attempt !== undefined ? ` (attempt ${attempt}${max !== undefined ? ` of ${max}` : ""})` : ""
      }`
    }
  }
  return line.includes('"type":"assistant"') || line.includes('"type":"stream_event"') ? { _tag: "Progress" } : undefined
}

// ---------------------------------------------------------------------------

/**
 * Builds the claude adapter.
 *
 * @since 0.1.0
 */
export const make = (options: ClaudeOptions = {}): Provider<ClaudeInput> => ({
  cli: "claude",
  plan: plan(options),
  parse,
  classify,
  watch,
  // Anthropic's variables; the AWS ones only for Bedrock, Google Cloud's only for Vertex AI.
  environment: {
    always: ["ANTHROPIC_*", "CLAUDE_*", "DISABLE_*", "MCP_*", "BASH_*", "MAX_THINKING_TOKENS", "MAX_MCP_OUTPUT_TOKENS", "API_TIMEOUT_MS"],
    when: [
      { set: "CLAUDE_CODE_USE_BEDROCK", variables: ["AWS_*"] },
      {
        set: "CLAUDE_CODE_USE_VERTEX",
        variables: ["CLOUD_ML_REGION", "VERTEX_*", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_*"]
      }
    ]
  },
  identity: {
    packages: ["@anthropic-ai/claude-code"],
    // "2.1.332 (Claude Code)"
    version: /\bClaude Code\b/i,
    install: "Claude Code: npm install -g @anthropic-ai/claude-code (or its native installer)"
  }
})

/**
 * The claude adapter with default options.
 *
 * @since 0.1.0
 */
export const provider: Provider<ClaudeInput> = make()
