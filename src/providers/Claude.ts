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
  CliModelUnknown,
  CliRateLimited,
  CliRunFailed,
  CliTurnLimit,
  type CliFailure,
  type InvalidRequest
} from "../domain/errors.js"
import type { ClaudeAsyncRequest } from "../domain/requests.js"
import type { Usage } from "../domain/Usage.js"
import { cliWords } from "./classify.js"
import {
  arr,
  classifyFailedRun,
  classifyReported,
  type JsonObject,
  num,
  obj,
  readJsonStream,
  str,
  usageOf
} from "./jsonl.js"
import {
  defaultPlanContext,
  type FailedRun,
  type Invocation,
  type PlanContext,
  type Provider,
  type RawOutput,
  type Reply
} from "./Provider.js"
import { sessionChoice } from "./sessions.js"

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

const sessionArgs = (request: ClaudeInput): Either.Either<ReadonlyArray<string>, InvalidRequest> =>
  Either.map(
    sessionChoice(request, request.continueSession, {
      idName: "claude session id",
      advice:
        "pass the CLI session id that session_get reports, or omit sessionId (set continueSession to resume the latest conversation)"
    }),
    (choice) => (choice._tag === "Id" ? ["--resume", choice.id] : choice._tag === "Latest" ? ["--continue"] : [])
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
      if (request.dangerouslySkipPermissions && context.bypassAllowed) {
        args.push("--permission-mode", "bypassPermissions")
      }
      // Only the servers given here (none when none resolved), not the user's own configuration.
      if (request.strictMcpConfig) args.push("--strict-mcp-config")
      const mcp = context.mcpServers
      args.push(...session)
      return {
        cli: "claude",
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

// ---------------------------------------------------------------------------
// reading the output
// ---------------------------------------------------------------------------

interface ClaudeStream {
  readonly events: ReadonlyArray<JsonObject>
  readonly noise: ReadonlyArray<string>
  readonly result: JsonObject | undefined
  readonly sessionId: string | undefined
  readonly model: string | undefined
  /** The text of the last assistant message that had text. */
  readonly assistantText: string | undefined
  /** Text deltas of the last partially streamed message. */
  readonly partialText: string | undefined
}

const textBlocks = (message: JsonObject | undefined): ReadonlyArray<string> =>
  arr(message, "content").flatMap((block) => {
    if (typeof block !== "object" || block === null) return []
    const b = block as JsonObject
    return str(b, "type") === "text" && typeof b["text"] === "string" ? [b["text"]] : []
  })

const read = (output: Pick<RawOutput, "stdout" | "events">): ClaudeStream => {
  const { events, noise } = output.events ?? readJsonStream(output.stdout)
  let result: JsonObject | undefined
  let initSession: string | undefined
  let anySession: string | undefined
  let model: string | undefined
  let assistantModel: string | undefined
  // claude prints one `assistant` line per content block; lines of one API
  // message share `message.id`.
  let currentId: string | undefined
  let current: Array<string> = []
  let lastWithText: string | undefined
  let partial: string | undefined
  for (const event of events) {
    const type = str(event, "type")
    anySession = str(event, "session_id") ?? anySession
    if (type === "system" && str(event, "subtype") === "init") {
      initSession = str(event, "session_id") ?? initSession
      model = str(event, "model") ?? model
    } else if (type === "result") {
      result = event
    } else if (type === "assistant") {
      const message = obj(event, "message")
      assistantModel = str(message, "model") ?? assistantModel
      const id = str(message, "id")
      if (id === undefined || id !== currentId) {
        currentId = id
        current = []
      }
      const texts = textBlocks(message)
      if (texts.length > 0) {
        current.push(...texts)
        lastWithText = current.join("")
      }
    } else if (type === "stream_event") {
      const inner = obj(event, "event")
      const innerType = str(inner, "type")
      if (innerType === "message_start") partial = ""
      else if (innerType === "content_block_delta") {
        const delta = obj(inner, "delta")
        const text = str(delta, "type") === "text_delta" ? str(delta, "text") : undefined
        if (text !== undefined) partial = (partial ?? "") + text
      }
    }
  }
  return {
    events,
    noise,
    result,
    sessionId: str(result, "session_id") ?? initSession ?? anySession,
    model: model ?? assistantModel,
    assistantText: lastWithText,
    partialText: partial === "" ? undefined : partial
  }
}

const usageOfResult = (result: JsonObject | undefined): Usage | undefined => {
  const u = obj(result, "usage")
  if (u === undefined) return undefined
  return usageOf({
    inputTokens: num(u, "input_tokens"),
    outputTokens: num(u, "output_tokens"),
    cachedInputTokens: num(u, "cache_read_input_tokens"),
    cacheCreationInputTokens: num(u, "cache_creation_input_tokens"),
    reasoningTokens: undefined,
    totalTokens: undefined
  })
}

const costOfResult = (result: JsonObject | undefined): number | undefined =>
  num(result, "total_cost_usd") ?? num(result, "cost_usd")

const isErrorResult = (result: JsonObject): boolean =>
  result["is_error"] === true || (str(result, "subtype") ?? "").startsWith("error")

/** What an error result says: its `result` text, its `errors`, or its subtype. */
const resultWords = (result: JsonObject): string => {
  const text = str(result, "result")
  if (text !== undefined && text.trim() !== "") return text.trim().slice(0, 2000)
  const errors = arr(result, "errors").filter((e): e is string => typeof e === "string")
  if (errors.length > 0) return errors.join("; ").slice(0, 2000)
  return str(result, "subtype") ?? "error"
}

// claude's own words for a model it cannot use ("There's an issue with the
// selected model (x). It may not exist or you may not have access to it.",
// or the API's `not_found_error` naming the model).
const CLAUDE_MODEL = /\b(issue with the selected model|model[^\n]{0,80}may not exist|not_found_error[^\n]{0,60}model)/i
// claude's own words for a subscription limit ("You've hit your limit ·
// resets 4pm (UTC)", "Claude AI usage limit reached|1700000000").
const CLAUDE_RATE = /\b(hit your (usage )?limit|usage limit reached|daily_limit_reached|(5|five)-hour limit|weekly limit)/i

/** What only claude says, before the shared rules. */
const claudeSpecific = (
  haystack: string,
  words: string,
  exitCode: number | null,
  model: string | undefined
): CliFailure | undefined => {
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

const failureOfResult = (result: JsonObject, exitCode: number | null, model: string | undefined): CliFailure => {
  const words = resultWords(result)
  if (str(result, "subtype") === "error_max_turns") return turnLimit(result, words, exitCode)
  return claudeSpecific(words, words, exitCode, model) ?? classifyReported("claude", words, { exitCode, model })
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

const trimTrailingNewlines = (s: string): string => s.replace(/[\r\n]+$/, "")

/**
 * A stream that stops in the middle of an event, with no result and no text
 * before it, is a run cut short, not a reply, even when claude exited 0.
 */
const cutShort = (stream: ClaudeStream): CliRunFailed | undefined => {
  if (stream.result !== undefined || stream.assistantText !== undefined || stream.partialText !== undefined) return undefined
  const last = stream.noise[stream.noise.length - 1]
  if (last === undefined || !last.startsWith("{")) return undefined
  return new CliRunFailed({
    message: "claude's output stopped in the middle of an event, with no result: the run was cut short",
    cli: "claude",
    hint: "Run the request again; the job's raw output (llm_job_result) shows what claude printed.",
    cliMessage: last.slice(0, 500),
    exitCode: 0
  })
}

const parse = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const stream = read(output)
  const { result } = stream
  if (result !== undefined && isErrorResult(result)) {
    return Either.left(failureOfResult(result, 0, invocation.model))
  }
  const cut = cutShort(stream)
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
  return (
    claudeSpecific(haystack, words, run.exitCode, run.model) ?? classifyFailedRun("claude", run, haystack, words)
  )
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
  classify
})

/**
 * The claude adapter with default options.
 *
 * @since 0.1.0
 */
export const provider: Provider<ClaudeInput> = make()
