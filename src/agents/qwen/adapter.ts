/**
 * The adapter for Qwen Code (`qwen`).
 *
 * - The prompt travels on stdin: with stdin not a terminal and no prompt
 *   argument qwen runs headless and reads the whole prompt from it.
 * - qwen always runs with `--output-format=stream-json
 *   --include-partial-messages` (Claude-Code-shaped JSONL as it happens, so
 *   a long model turn never looks idle); the reply is rendered in the format
 *   the caller asked for.
 * - Every option with a value is one `--name=value` element: qwen parses
 *   with yargs, whose list options swallow the following plain words and
 *   which takes a value starting with `-` for a flag.
 * - qwen retries failed API calls by itself: silently for network errors,
 *   with a `Retrying in 60s (attempt 1/10)` line for 429s (for tens of
 *   minutes). `QWEN_CODE_UNATTENDED_RETRY=0` keeps it from retrying 429s for
 *   hours.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import {
  type CliFailure,
  CliModelUnknown,
  CliRateLimited,
  CliRunFailed,
  CliTurnLimit,
  InvalidRequest
} from "../../domain/errors.js"
import { authRequired, cliWords, NETWORK, networkError, sessionNotFound, withRetriedByCli } from "../../providers/classify.js"
import { classifyFailedRun, classifyReported, isObject, type JsonObject, str } from "../../providers/jsonl.js"
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
import { sessionChoice } from "../../providers/sessions.js"
import type { QwenAsyncRequest } from "./request.js"
import { cleanStderr, cutShort, errorWords, fatalReport, isErrorResult, type QwenStream, read, usageOfResult } from "./stream.js"

/** What the qwen adapter accepts (sync and async requests both fit). @since 0.1.0 */
export type QwenInput = typeof QwenAsyncRequest.Type

/** qwen's own exit codes (`Fatal*Error`, headless.md). @since 0.1.0 */
export const QwenExitCode = { Config: 52, TurnLimit: 53, Budget: 55 } as const

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const invalid = (message: string, field: string) => Either.left(new InvalidRequest({ message, field }))

// qwen splits the values of its list options on ",".
const LISTS = [
  { field: "allowedTools", flag: "--allowed-tools", what: "tool" },
  { field: "excludeTools", flag: "--exclude-tools", what: "tool" },
  { field: "includeDirs", flag: "--include-directories", what: "folder" }
] as const

/**
 * A server of the registry (Claude's `--mcp-config` shape) in qwen's shape:
 * qwen tells transports by field (`httpUrl` streamable HTTP, `url` SSE,
 * `command` stdio) and keeps `type` for its own `sdk` servers.
 */
const qwenServer = (definition: unknown): unknown => {
  if (!isObject(definition) || definition["type"] === undefined) return definition
  const { type, url, ...rest } = definition
  if (typeof url !== "string") return rest
  return type === "http" ? { ...rest, httpUrl: url } : { ...rest, url }
}

/** The `--mcp-config` document in qwen's shape. @since 0.1.0 */
export const qwenMcpConfig = (config: { readonly mcpServers: Readonly<Record<string, unknown>> }) => ({
  mcpServers: Object.fromEntries(Object.entries(config.mcpServers).map(([name, d]) => [name, qwenServer(d)]))
})

const plan = (request: QwenInput, context: PlanContext = defaultPlanContext(request)): Either.Either<Invocation, InvalidRequest> => {
  for (const { field, what } of LISTS) {
    const withComma = (request[field] ?? []).find((v) => v.includes(","))
    if (withComma !== undefined) {
      return invalid(
        `${field} entry ${JSON.stringify(withComma)} contains ",", which qwen reads as a list separator; give each ${what} as its own entry`,
        field
      )
    }
  }
  const session = sessionChoice(request, request.resumeLatest, {
    idName: "qwen session id",
    advice: "pass qwen's own session id (a UUID from an earlier reply), or use resumeLatest"
  })
  if (Either.isLeft(session)) return Either.left(session.left)
  const choice = session.right
  if (choice._tag === "Id" && !UUID.test(choice.id)) {
    return invalid(
      `sessionId ${JSON.stringify(choice.id)} is not a qwen session id: qwen's are UUIDs (it would look any other word up as a session title)`,
      "sessionId"
    )
  }

  const args: Array<string> = ["--output-format=stream-json", "--include-partial-messages"]
  if (request.model !== undefined) args.push(`--model=${request.model}`)
  // `yolo` approves every tool call: a bypass, passed only when one is allowed. Refused, it becomes an explicit
  // `default`, so that the user's own settings (which may say yolo) cannot bring it back.
  const mode = request.approvalMode === "yolo" && !context.bypassAllowed ? "default" : request.approvalMode
  if (mode !== undefined) args.push(`--approval-mode=${mode}`)
  for (const { field, flag } of LISTS) for (const value of request[field] ?? []) args.push(`${flag}=${value}`)
  if (request.maxSessionTurns !== undefined) args.push(`--max-session-turns=${request.maxSessionTurns}`)
  if (choice._tag === "Id") args.push(`--resume=${choice.id}`)
  else if (choice._tag === "Latest") args.push("--continue")

  const mcp = context.mcpServers
  return Either.right({
    cli: "qwen",
    ...(choice._tag === "Id" ? { sessionId: choice.id } : {}),
    args,
    prompt: { _tag: "Stdin", text: request.prompt },
    env: {
      // Fatal errors are otherwise wrapped in colour codes.
      NO_COLOR: "1",
      // Set, it retries 429s for up to six hours.
      QWEN_CODE_UNATTENDED_RETRY: "0",
      ...(mode === "yolo" ? { QWEN_CODE_SUPPRESS_YOLO_WARNING: "1" } : {})
    },
    model: request.model,
    outputFormat: request.outputFormat,
    // Only the raw stream-json format needs stdout verbatim; the others are rendered from its events.
    readsEventsOnly: request.outputFormat !== "stream-json",
    ...(mcp !== undefined && mcp.enabled.length > 0
      ? { mcpConfig: { flag: "--mcp-config", config: qwenMcpConfig(mcp.config) } }
      : {})
  })
}

// ---------------------------------------------------------------------------
// Failure classification
// ---------------------------------------------------------------------------

// "No saved session found with ID <uuid>. Run `qwen --resume` without an ID …"
// (and, for a word that is not a UUID, `… with title "<word>".`).
const UNKNOWN_SESSION = /No saved session found with (?:ID ([0-9A-Fa-f-]{36})|title "[^"\n]{0,200}")[^\n]{0,200}/
const QWEN_AUTH =
  /No auth type is selected|Missing API key for|Qwen OAuth free tier was discontinued|Invalid auth method selected|[A-Z_]{3,40} environment variable not found|Please re-authenticate|API Error: 401\b/
const QWEN_RATE = /API Error: 429\b|Qwen OAuth quota exceeded|Possible quota limitations in place/
const QWEN_NETWORK = /API Error: Connection error/
const QWEN_NOT_FOUND = /API Error: 404\b/
const NO_INPUT = /No input provided via stdin/

const lineOf = (text: string, re: RegExp): string | undefined =>
  text.split("\n").map((l) => l.trim()).find((l) => re.test(l))?.slice(0, 2000)

/** What only qwen says, before the shared rules. */
const qwenSpecific = (
  haystack: string,
  words: string,
  exitCode: number | null,
  model: string | undefined,
  sessionId?: string | undefined
): CliFailure | undefined => {
  const base = { cli: "qwen" as const, cliMessage: words, exitCode }
  const unknownSession = UNKNOWN_SESSION.exec(haystack)
  if (unknownSession !== null) return sessionNotFound("qwen", sessionId ?? unknownSession[1], unknownSession[0].trim())
  if (QWEN_AUTH.test(haystack)) return authRequired("qwen", QWEN_AUTH.test(words) ? words : lineOf(haystack, QWEN_AUTH) ?? words, exitCode)
  if (QWEN_RATE.test(haystack)) {
    return new CliRateLimited({
      ...base,
      message: `qwen was rate limited or is out of quota: ${words}`,
      hint: "qwen has already retried; wait and retry later, or switch to another model or CLI."
    })
  }
  if (QWEN_NETWORK.test(haystack)) {
    const line = QWEN_NETWORK.test(words) ? words : lineOf(haystack, QWEN_NETWORK) ?? words
    // qwen retries a failed connection by itself, silently, before it says so.
    return networkError("qwen", line, exitCode, { retriedByCli: true })
  }
  if (QWEN_NOT_FOUND.test(haystack)) {
    return new CliModelUnknown({
      ...base,
      message: `qwen does not know the model${model !== undefined ? ` "${model}"` : ""}: ${words}`,
      hint:
        "Call list_models for the models qwen offers, or omit `model` to use its default; " +
        "a 404 can also mean that OPENAI_BASE_URL does not point at an OpenAI-compatible API.",
      ...(model !== undefined ? { model } : {})
    })
  }
  return undefined
}

const turnLimit = (words: string, exitCode: number | null, budget: boolean): CliTurnLimit =>
  new CliTurnLimit({
    message: budget ? `qwen stopped at its budget (wall time or tool calls): ${words}` : `qwen stopped at its turn limit: ${words}`,
    cli: "qwen",
    hint: budget
      ? "Raise the budget (--max-wall-time / --max-tool-calls in qwen's settings), or split the task into smaller requests."
      : "Resume the session (sessionId) to let it continue, raise maxSessionTurns, or split the task into smaller requests.",
    cliMessage: words,
    exitCode
  })

/** A failure reported in the output: qwen's own words first, then the shared rules. */
const failureOfWords = (words: string, exitCode: number | null, model: string | undefined): CliFailure =>
  qwenSpecific(words, words, exitCode, model) ?? classifyReported("qwen", words, { exitCode, model })

const classify = (run: FailedRun): CliFailure => {
  const stream = read(run)
  const { result } = stream
  const reported = result !== undefined && isErrorResult(result) ? errorWords(result) : undefined
  const stderr = cleanStderr(run.stderr)
  const fatal = fatalReport(stderr)
  const noise = stream.noise.join("\n")
  // Only error words are searched: the JSON event lines may quote anything the model said.
  const haystack = [stderr, noise, reported ?? ""].join("\n")
  const words = reported ?? fatal?.message ?? cliWords({ stderr, stdout: noise })
  const code = run.exitCode ?? fatal?.code
  if (code === QwenExitCode.TurnLimit || fatal?.type === "FatalTurnLimitedError") return turnLimit(words, run.exitCode, false)
  if (code === QwenExitCode.Budget || fatal?.type === "FatalBudgetExceededError") return turnLimit(words, run.exitCode, true)
  const specific = qwenSpecific(haystack, words, run.exitCode, run.model, run.sessionId)
  if (specific !== undefined) return specific
  if (code === QwenExitCode.Config || NO_INPUT.test(haystack)) {
    return new CliRunFailed({
      cli: "qwen",
      cliMessage: words,
      exitCode: run.exitCode,
      message: `qwen refused its ${code === QwenExitCode.Config ? "configuration" : "input"}: ${words}`,
      hint: code === QwenExitCode.Config
        ? "Check qwen's settings (~/.qwen/settings.json, .qwen/settings.json) and the request's MCP servers."
        : "Send a prompt that is not empty."
    })
  }
  // qwen retries failed connections silently, so a network failure found by the shared rules was retried too.
  return withRetriedByCli(classifyFailedRun("qwen", run, haystack, words), true)
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

const trimTrailingNewlines = (s: string): string => s.replace(/[\r\n]+$/, "")


const render = (invocation: Invocation, output: RawOutput, stream: QwenStream, text: string): string => {
  switch (invocation.outputFormat) {
    case "stream-json":
      return output.stdout
    case "json":
      return JSON.stringify(
        stream.result ?? {
          // No result event (the output was cut short): the same shape, from what was read.
          type: "result",
          subtype: "incomplete",
          is_error: false,
          result: text,
          ...(stream.sessionId !== undefined ? { session_id: stream.sessionId } : {})
        }
      )
    default:
      return text
  }
}

const parse = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const stream = read(output)
  const result: JsonObject | undefined = stream.result
  // An API error also comes as an assistant text block ("[API Error: …]"): never a reply.
  if (result !== undefined && isErrorResult(result)) return Either.left(failureOfWords(errorWords(result), 0, invocation.model))
  if (result === undefined && stream.assistantText?.startsWith("[API Error:") === true) {
    return Either.left(failureOfWords(stream.assistantText.slice(0, 2000), 0, invocation.model))
  }
  const cut = cutShort("qwen", stream)
  if (cut !== undefined) return Either.left(cut)
  const text = stream.events.length === 0
    ? (output.events !== undefined ? stream.noise.join("\n") : trimTrailingNewlines(output.stdout))
    : (str(result, "result") ?? stream.assistantText ?? stream.partialText ?? stream.noise.join("\n"))
  return Either.right({
    text: render(invocation, output, stream, text),
    sessionId: stream.sessionId,
    model: stream.model ?? invocation.model,
    usage: usageOfResult(result),
    costUsd: undefined
  })
}

// ---------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------

/**
 * qwen retries a failed connection silently, so there is rarely a line to
 * see; a retry after an HTTP answer (`Retrying in 60s (attempt 1/10): [API
 * Error: 429 …]`) is the service answering, not a network failure. Streamed
 * text, a whole assistant message or a tool result means the service answered.
 */
const watch = (stream: "stdout" | "stderr", line: string): RunSignal => {
  if (stream === "stderr") {
    if (/API Error: \d{3}\b/.test(line)) return undefined
    return NETWORK.test(line) ? { _tag: "Unreachable", words: line.slice(0, 500) } : undefined
  }
  if (line.includes('"type":"assistant"')) return line.includes("[API Error:") ? undefined : { _tag: "Progress" }
  if (line.includes('"type":"user"')) return { _tag: "Progress" }
  return line.includes('"type":"stream_event"') && /"type":"(message_start|content_block_delta)"/.test(line)
    ? { _tag: "Progress" }
    : undefined
}

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

/**
 * Builds the qwen adapter.
 *
 * @since 0.1.0
 */
export const make = (): Provider<QwenInput> => ({
  cli: "qwen",
  plan,
  parse,
  classify,
  watch,
  // OpenAI-compatible auth (its default), qwen's own settings, and the provider keys its model presets name.
  environment: { always: ["OPENAI_*", "QWEN_*", "DASHSCOPE_*", "BAILIAN_*", "OPENROUTER_API_KEY"] },
  identity: {
    packages: ["@qwen-code/qwen-code"],
    // `--version` prints a bare version ("0.24.4"), as gemini's does: the help tells.
    help: {
      args: ["--help"],
      markers: ["Usage: qwen", "--output-format", "--include-partial-messages", "--approval-mode", "--exclude-tools"]
    },
    install: "Qwen Code: npm install -g @qwen-code/qwen-code"
  }
})

/** The qwen adapter. @since 0.1.0 */
export const provider: Provider<QwenInput> = make()
