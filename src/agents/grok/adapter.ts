/**
 * The adapter for xAI's official Grok Build CLI (`grok`).
 *
 * - grok does not read stdin: the prompt travels in a private file named by
 *   `--prompt-file` (the runner writes it and appends `[flag, path]`).
 * - Output is always `--output-format streaming-json` (events as they
 *   happen, so a long run never looks idle); the reply is rendered in the
 *   caller's format: `plain` (the text), `json` (an object shaped like
 *   grok's own `json` output, built from the stream) or `streaming-json`
 *   (the stream as grok printed it). The single-object `json` format is
 *   accepted as well.
 * - The auto-updater is switched off through `GROK_DISABLE_AUTOUPDATER=1`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type { GrokAsyncRequest } from "./request.js"
import { type CliFailure, CliTurnLimit, InvalidRequest } from "../../domain/errors.js"
import type { Usage } from "../../domain/Usage.js"
import { authRequired, NETWORK, tail } from "../../providers/classify.js"
import {
  classifyByMessages,
  diagnose,
  failureInOutput,
  heaviestKey,
  isObject,
  type JsonObject,
  num,
  obj,
  readJsonLines,
  readWholeObject,
  str,
  sumOf,
  usageOf
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
import { sessionChoice } from "../../providers/sessions.js"

/** What the grok adapter accepts (sync and async requests both fit). @since 0.1.0 */
export type GrokInput = typeof GrokAsyncRequest.Type

/** @since 0.1.0 */
export interface GrokOptions {}

/** The flag that names the prompt file. @since 0.1.0 */
export const PROMPT_FILE_FLAG = "--prompt-file"

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

const invalid = (message: string, field: string) => Either.left(new InvalidRequest({ message, field }))

const toolList = (
  tools: ReadonlyArray<string> | undefined,
  field: "allowedTools" | "disallowedTools"
): Either.Either<string | undefined, InvalidRequest> => {
  if (tools === undefined || tools.length === 0) return Either.right(undefined)
  const withComma = tools.find((t) => t.includes(","))
  if (withComma !== undefined) {
    return invalid(
      `${field} entry ${JSON.stringify(withComma)} contains ",", which grok reads as a list separator; give each tool as its own entry`,
      field
    )
  }
  return Either.right(tools.join(","))
}

const plan = (
  request: GrokInput,
  context: PlanContext = defaultPlanContext(request)
): Either.Either<Invocation, InvalidRequest> => {
  const args: Array<string> = ["--output-format", "streaming-json"]
  if (request.model !== undefined) args.push("--model", request.model)
  if (request.alwaysApprove && context.bypassAllowed) args.push("--always-approve")
  // `bypassPermissions` approves everything: a bypass, passed only when one is allowed.
  if (request.permissionMode !== undefined && (request.permissionMode !== "bypassPermissions" || context.bypassAllowed)) {
    args.push("--permission-mode", request.permissionMode)
  }
  if (request.effort !== undefined) args.push("--effort", request.effort)
  if (request.reasoningEffort !== undefined) args.push("--reasoning-effort", request.reasoningEffort)

  const allowed = toolList(request.allowedTools, "allowedTools")
  if (Either.isLeft(allowed)) return Either.left(allowed.left)
  if (allowed.right !== undefined) args.push("--tools", allowed.right)
  const disallowed = toolList(request.disallowedTools, "disallowedTools")
  if (Either.isLeft(disallowed)) return Either.left(disallowed.left)
  if (disallowed.right !== undefined) args.push("--disallowed-tools", disallowed.right)

  const session = sessionChoice(request, request.resumeLatest, {
    idName: "grok session id",
    advice: "pass grok's own session id (from a previous reply), or use resumeLatest"
  })
  if (Either.isLeft(session)) return Either.left(session.left)
  const resumed = session.right._tag === "Id" ? session.right.id : undefined
  if (session.right._tag === "Id") args.push("--resume", session.right.id)
  else if (session.right._tag === "Latest") args.push("--continue")

  return Either.right({
    cli: "grok",
    ...(resumed !== undefined ? { sessionId: resumed } : {}),
    args,
    prompt: { _tag: "File", flag: PROMPT_FILE_FLAG, text: request.prompt },
    env: { GROK_DISABLE_AUTOUPDATER: "1" },
    model: request.model,
    outputFormat: request.outputFormat ?? "plain"
  })
}

// ---------------------------------------------------------------------------
// Reading the output
// ---------------------------------------------------------------------------

/** What a run printed, gathered from either the stream or the `json` object. */
interface Gathered {
  readonly text: string
  readonly thought: string
  readonly stopReason: string | undefined
  readonly sessionId: string | undefined
  readonly requestId: string | undefined
  readonly numTurns: number | undefined
  readonly usage: JsonObject | undefined
  readonly modelUsage: JsonObject | undefined
  readonly totalCostUsd: number | undefined
  readonly errors: ReadonlyArray<string>
  readonly maxTurns: string | undefined
  /** True when the output held grok JSON (stream events or the `json` object). */
  readonly structured: boolean
  readonly ended: boolean
}

const MAX_TURNS_STOP = /max.?turns/i
const MAX_TURNS_TEXT = /\b(max(imum)? (number of )?turns|max_turns)\b[^\n]{0,40}\breached\b|\breached the max(imum)? (number of )?turns/i

const fromEnd = (end: JsonObject) => ({
  stopReason: str(end, "stopReason") ?? str(end, "stop_reason"),
  sessionId: str(end, "sessionId") ?? str(end, "session_id"),
  requestId: str(end, "requestId") ?? str(end, "request_id"),
  numTurns: num(end, "num_turns") ?? num(end, "numTurns"),
  usage: obj(end, "usage"),
  modelUsage: obj(end, "modelUsage"),
  totalCostUsd: num(end, "total_cost_usd")
})

const maxTurnsWords = (e: JsonObject): string => {
  const max = num(e, "max_turns")
  return str(e, "message") ?? (max !== undefined ? `maximum number of turns (${max}) reached` : "maximum number of turns reached")
}

const gather = (stdout: string): Gathered => {
  const whole = readWholeObject(stdout)
  if (whole !== undefined && whole.type === undefined && ("text" in whole || "stopReason" in whole || "sessionId" in whole)) {
    const end = fromEnd(whole)
    return {
      ...end,
      text: str(whole, "text") ?? "",
      thought: str(whole, "thought") ?? "",
      errors: [],
      maxTurns: end.stopReason !== undefined && MAX_TURNS_STOP.test(end.stopReason) ? end.stopReason : undefined,
      structured: true,
      ended: true
    }
  }

  let text = ""
  let thought = ""
  let lastUsage: JsonObject | undefined
  let end: ReturnType<typeof fromEnd> | undefined
  const errors: Array<string> = []
  let maxTurns: string | undefined
  let structured = false

  for (const event of readJsonLines(stdout).events) {
    const type = str(event, "type")
    if (type === undefined) continue
    structured = true
    switch (type) {
      case "text":
        text += str(event, "data") ?? str(event, "text") ?? ""
        break
      case "thought":
        thought += str(event, "data") ?? str(event, "text") ?? ""
        break
      case "usage":
        lastUsage = obj(event, "usage") ?? obj(event, "data") ?? event
        break
      case "end":
        end = fromEnd(event)
        break
      case "error": {
        const message = str(event, "message") ?? str(obj(event, "error"), "message")
        errors.push((message ?? "grok reported an error").trim())
        break
      }
      case "max_turns_reached":
        maxTurns = maxTurnsWords(event)
        break
      default:
        // tool_call, tool_call_update, plan, available_commands, auto_compact_*, …
        break
    }
  }
  if (maxTurns === undefined && end?.stopReason !== undefined && MAX_TURNS_STOP.test(end.stopReason)) {
    maxTurns = `grok stopped: ${end.stopReason}`
  }
  if (!structured) text = stdout.trim()

  return {
    text,
    thought,
    stopReason: end?.stopReason,
    sessionId: end?.sessionId,
    requestId: end?.requestId,
    numTurns: end?.numTurns,
    usage: end?.usage ?? lastUsage,
    modelUsage: end?.modelUsage,
    totalCostUsd: end?.totalCostUsd,
    errors,
    maxTurns,
    structured,
    ended: end !== undefined
  }
}

const usageOfGathered = (u: JsonObject | undefined): Usage | undefined =>
  u === undefined
    ? undefined
    : usageOf({
        inputTokens: num(u, "input_tokens"),
        cachedInputTokens: num(u, "cache_read_input_tokens"),
        cacheCreationInputTokens: num(u, "cache_creation_input_tokens"),
        outputTokens: num(u, "output_tokens"),
        reasoningTokens: num(u, "reasoning_tokens"),
        totalTokens: num(u, "total_tokens")
      })

const costOf = (g: Gathered): number | undefined => {
  if (g.totalCostUsd !== undefined) return g.totalCostUsd
  if (g.modelUsage === undefined) return undefined
  return sumOf(Object.values(g.modelUsage).map((m) => (isObject(m) ? num(m, "costUSD") : undefined)))
}

const modelOf = (g: Gathered): string | undefined =>
  heaviestKey(g.modelUsage, (m) => (num(m, "outputTokens") ?? 0) + (num(m, "inputTokens") ?? 0))

/** The reply as grok's own `json` format would have printed it. */
const asGrokJson = (g: Gathered): string => {
  const cost = costOf(g)
  return JSON.stringify({
    text: g.text,
    stopReason: g.stopReason ?? null,
    sessionId: g.sessionId ?? null,
    requestId: g.requestId ?? null,
    ...(g.thought !== "" ? { thought: g.thought } : {}),
    num_turns: g.numTurns ?? null,
    usage: g.usage ?? null,
    modelUsage: g.modelUsage ?? null,
    ...(cost !== undefined ? { total_cost_usd: cost } : {})
  })
}

const render = (invocation: Invocation, output: RawOutput, g: Gathered): string => {
  switch (invocation.outputFormat) {
    case "json":
      return asGrokJson(g)
    case "streaming-json":
      return output.stdout
    default:
      return g.text
  }
}

// ---------------------------------------------------------------------------
// Failure classification
// ---------------------------------------------------------------------------

// grok's own words for a missing sign-in, beyond the shared rules.
const GROK_AUTH = /\b(not authenticated|no credentials|grok login|XAI_API_KEY (is )?(not set|missing|invalid)|session (has )?expired)/i

const turnLimit = (words: string, exitCode: number | null): CliTurnLimit =>
  new CliTurnLimit({
    cli: "grok",
    cliMessage: words,
    exitCode,
    message: `grok stopped at its turn limit: ${words}`,
    hint: "Split the task into smaller requests, or continue the session (resume it with its sessionId) to go on."
  })

const classifyRun = (run: FailedRun): CliFailure => {
  const g = gather(run.stdout)
  // Plain output (a CLI that ignored the format) is all diagnostic.
  const { diagnostic: diag, words } = diagnose(run, g.errors, !g.structured)
  const lastError = g.errors[g.errors.length - 1]

  if (g.maxTurns !== undefined) return turnLimit(g.maxTurns.slice(0, 2000), run.exitCode)
  const turnLine = `${g.errors.join("\n")}\n${tail(run.stderr)}`.split("\n").find((l) => MAX_TURNS_TEXT.test(l))
  if (turnLine !== undefined) return turnLimit(turnLine.trim().slice(0, 2000), run.exitCode)

  // grok's own words for a missing sign-in; then the shared rules, on the
  // error events' words first, then on stderr and the diagnostic stdout.
  const errorText = g.errors.join("\n")
  const rateLimited = /\b(429|rate[ -]?limit)/i
  const authLine = `${errorText}\n${tail(run.stderr)}\n${diag}`.split("\n").find((l) => GROK_AUTH.test(l) && !rateLimited.test(l))
  if (authLine !== undefined) {
    return authRequired("grok", lastError?.slice(0, 2000) ?? authLine.trim().slice(0, 2000), run.exitCode)
  }
  return classifyByMessages("grok", run, g.errors, diag, words)
}

const parseOutput = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const g = gather(output.stdout)
  // An error event is fatal unless the run still ended with a reply.
  const fatalError = g.errors.length > 0 && !(g.ended && g.text !== "")
  if (g.maxTurns !== undefined || fatalError) {
    return Either.left(failureInOutput("grok", invocation, output, classifyRun, g.errors))
  }
  return Either.right({
    text: render(invocation, output, g),
    sessionId: g.sessionId,
    model: modelOf(g) ?? invocation.model,
    usage: usageOfGathered(g.usage),
    costUsd: costOf(g)
  })
}

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

/**
 * Network trouble said while grok runs: a line on stderr, or an `error`
 * event, with the shared network words. Text, thoughts and tool calls mean
 * the service answered.
 */
const watch = (stream: "stdout" | "stderr", line: string): RunSignal => {
  if (stream === "stderr") return NETWORK.test(line) ? { _tag: "Unreachable", words: line.slice(0, 500) } : undefined
  if (line.includes('"type":"error"')) {
    return NETWORK.test(line) ? { _tag: "Unreachable", words: line.slice(0, 500) } : undefined
  }
  return line.includes('"type":"text"') || line.includes('"type":"thought"') || line.includes('"type":"tool_call"')
    ? { _tag: "Progress" }
    : undefined
}

/**
 * Builds the grok adapter.
 *
 * @since 0.1.0
 */
export const make = (_options: GrokOptions = {}): Provider<GrokInput> => ({
  cli: "grok",
  plan,
  parse: parseOutput,
  classify: classifyRun,
  watch,
  environment: { always: ["XAI_*", "GROK_*"] },
  identity: {
    // xAI's Grok Build is installed by its own script, not from npm.
    packages: [],
    impostors: {
      "@vibe-kit/grok-cli": "Vibe Kit's community grok-cli, a different program also called grok",
      "grok-dev": "superagent-ai's community grok-cli, a different program also called grok",
      "@superagent/grok-cli": "superagent-ai's community grok-cli, a different program also called grok"
    },
    // Its version line does not tell it from the community CLIs: the help must offer the flags the adapter passes.
    help: { args: ["--help"], markers: ["--output-format", "streaming-json", "--prompt-file"] },
    install: "xAI's Grok Build CLI: curl -fsSL https://x.ai/cli/install.sh | bash (see docs.x.ai)"
  }
})

/** The grok adapter with default options. @since 0.1.0 */
export const provider: Provider<GrokInput> = make()
