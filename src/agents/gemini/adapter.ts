/**
 * The adapter for Google's Gemini CLI (`gemini`).
 *
 * - The prompt travels on stdin: gemini runs headless when stdin is not a
 *   terminal and reads the whole prompt from it, so no request text ever
 *   becomes an argument.
 * - Output is always `--output-format stream-json` (JSONL events as they
 *   happen, so a long run never looks idle); the reply is rendered as the
 *   assistant's text. The single-object `json` format is accepted as well.
 * - `-y`/`--yolo` is deprecated upstream and never emitted:
 *   `--approval-mode` carries the same meaning.
 * - Workspace trust: with `trustWorkspace` (the default) the child gets
 *   `GEMINI_CLI_TRUST_WORKSPACE=true`, gemini's documented switch for
 *   headless runs. An environment variable rather than `--skip-trust`
 *   keeps older CLIs, which reject unknown flags, working.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type { GeminiAsyncRequest } from "./request.js"
import { type CliFailure, CliRunFailed, CliTurnLimit, CliWorkspaceUntrusted, InvalidRequest } from "../../domain/errors.js"
import { authRequired, NETWORK, sessionNotFound, tail } from "../../providers/classify.js"
import {
  classifyByMessages,
  diagnose,
  failureInOutput,
  isObject,
  type JsonObject,
  num,
  obj,
  readJsonLines,
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
import { mainModel, usageFromMetrics, usageFromStreamStats } from "./stats.js"
import { sessionChoice } from "../../providers/sessions.js"

/** What the gemini adapter accepts (sync and async requests both fit). @since 0.1.0 */
export type GeminiInput = typeof GeminiAsyncRequest.Type

/** @since 0.1.0 */
export interface GeminiOptions {
  /**
   * Set `GEMINI_CLI_TRUST_WORKSPACE=true` for the child so gemini runs in
   * folders it has not been told to trust. Default true.
   */
  readonly trustWorkspace?: boolean
}

/** Gemini's exit codes (headless.md; `FatalUntrustedWorkspaceError`). @since 0.1.0 */
export const GeminiExitCode = {
  Auth: 41,
  Input: 42,
  TurnLimit: 53,
  Untrusted: 55
} as const

/** The environment variable that makes gemini trust the working folder. @since 0.1.0 */
export const TRUST_ENV = "GEMINI_CLI_TRUST_WORKSPACE"

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

const invalid = (message: string, field: string) => Either.left(new InvalidRequest({ message, field }))

const buildPlan = (trustWorkspace: boolean) =>
(
  request: GeminiInput,
  context: PlanContext = defaultPlanContext(request)
): Either.Either<Invocation, InvalidRequest> => {
  // gemini splits the values of these list options on ",": a comma inside one
  // value would silently become two tools or two folders.
  const tools = request.allowedTools ?? []
  const dirs = request.includeDirs ?? []
  const toolWithComma = tools.find((t) => t.includes(","))
  if (toolWithComma !== undefined) {
    return invalid(
      `allowedTools entry ${JSON.stringify(toolWithComma)} contains ",", which gemini reads as a list separator; give each tool as its own entry`,
      "allowedTools"
    )
  }
  const dirWithComma = dirs.find((d) => d.includes(","))
  if (dirWithComma !== undefined) {
    return invalid(
      `includeDirs entry ${JSON.stringify(dirWithComma)} contains ",", which gemini reads as a list separator; use a path without a comma (for example a symlink to it)`,
      "includeDirs"
    )
  }

  const args: Array<string> = ["--output-format", "stream-json"]
  if (request.model !== undefined) args.push("--model", request.model)
  // gemini knows its MCP servers from its own settings; the registry decides which names it may use.
  for (const name of context.mcpServers?.enabled ?? []) args.push("--allowed-mcp-server-names", name)
  // `yolo` approves everything: a bypass, passed only when one is allowed.
  if (request.approvalMode !== undefined && (request.approvalMode !== "yolo" || context.bypassAllowed)) {
    args.push("--approval-mode", request.approvalMode)
  }
  for (const tool of tools) args.push("--allowed-tools", tool)
  for (const dir of dirs) args.push("--include-directories", dir)

  const session = sessionChoice(request, request.resumeLatest, {
    idName: "gemini session id",
    advice: "pass gemini's own session id (from a previous reply), or use resumeLatest"
  })
  if (Either.isLeft(session)) return Either.left(session.left)
  if (session.right._tag === "Id") args.push("--resume", session.right.id)
  else if (session.right._tag === "Latest") args.push("--resume", "latest")

  return Either.right({
    cli: "gemini",
    ...(session.right._tag === "Id" ? { sessionId: session.right.id } : {}),
    args,
    prompt: { _tag: "Stdin", text: request.prompt },
    env: trustWorkspace ? { [TRUST_ENV]: "true" } : {},
    model: request.model,
    outputFormat: "text"
  })
}

// ---------------------------------------------------------------------------
// Failure classification
// ---------------------------------------------------------------------------

// The refusal itself; not the warning "Approval mode overridden … because the
// current folder is not trusted", which a run that goes on may print.
const UNTRUSTED = /not running in a trusted (directory|folder)|untrusted workspace error/i

// gemini's words for missing or refused credentials, beyond the shared rules.
const GEMINI_AUTH = /API key not valid|API_KEY_INVALID|Please set an Auth method|GEMINI_API_KEY environment variable not found|Failed to login/i

// gemini's words for a session it cannot resume (exit 42): "Error resuming
// session: No previous sessions found for this project.", or "Invalid
// session identifier "<id>"".
const UNKNOWN_SESSION = /Error resuming session[^\n]{0,300}|Invalid session identifier[^\n]{0,300}|No previous sessions found[^\n]{0,200}/i

const untrustedHint =
  "Let the gateway trust workspaces (set LLM_GATEWAY_GEMINI_TRUST_WORKSPACE=true, the default), " +
  "or trust this folder in gemini (run `gemini` interactively in it and accept the trust prompt, or add it to ~/.gemini/trustedFolders.json)."

interface ErrorReport {
  readonly message: string
  readonly code: number | undefined
  readonly kind: string | undefined
}

/** Error objects gemini printed on stdout: the `json` format's `error`, a failed `result`, `error` events. */
const errorReports = (stdout: string): Array<ErrorReport> => {
  const reports: Array<ErrorReport> = []
  const push = (e: unknown, fallbackKind?: string) => {
    if (!isObject(e)) return
    const message = str(e, "message")
    if (message === undefined || message.trim() === "") return
    const code = str(e, "code")
    reports.push({
      message: message.trim(),
      code: code !== undefined && /^\d+$/.test(code) ? Number(code) : num(e, "code"),
      kind: str(e, "type") ?? fallbackKind
    })
  }
  const whole = readWholeObject(stdout)
  if (whole !== undefined && whole.type === undefined) push(whole.error)
  for (const event of readJsonLines(stdout).events) {
    if (event.type === "result" && event.status === "error") push(event.error ?? { message: "gemini reported an error result" })
    else if (event.type === "error" && event.severity !== "warning") push(event, "error")
    else if (event.type === undefined && isObject(event.error)) push(event.error)
  }
  // The most telling report is the last fatal one; duplicates (an error event
  // and the result that repeats it) collapse.
  const seen = new Set<string>()
  return reports.filter((r) => (seen.has(r.message) ? false : (seen.add(r.message), true)))
}

const failureFor = (
  run: FailedRun,
  code: number | null,
  words: string
): CliFailure | undefined => {
  const base = { cli: "gemini" as const, cliMessage: words, exitCode: run.exitCode }
  switch (code) {
    case GeminiExitCode.Untrusted:
      return new CliWorkspaceUntrusted({
        ...base,
        message: `gemini refused to run in a folder it does not trust (${run.cwd || "the working folder"}): ${words}`,
        hint: untrustedHint,
        cwd: run.cwd
      })
    case GeminiExitCode.TurnLimit:
      return new CliTurnLimit({
        ...base,
        message: `gemini stopped at its turn limit: ${words}`,
        hint: "Split the task into smaller requests, or raise `model.maxSessionTurns` in gemini's settings.json."
      })
    case GeminiExitCode.Auth:
      return authRequired("gemini", words, run.exitCode)
    case GeminiExitCode.Input:
      return new CliRunFailed({
        ...base,
        message: `gemini refused its input: ${words}`,
        hint: "Check the request's parameters (model, approval mode, folders, session id) and the prompt."
      })
    default:
      return undefined
  }
}

const messagesOf = (reports: ReadonlyArray<ErrorReport>): Array<string> => reports.map((r) => r.message)

const classifyRun = (run: FailedRun): CliFailure => {
  const reports = errorReports(run.stdout)
  const messages = messagesOf(reports)
  const last = reports[reports.length - 1]
  const { diagnostic: diag, words } = diagnose(run, messages)
  const lines = `${tail(run.stderr)}\n${diag}`.split("\n").map((l) => l.trim())
  const untrustedLine = lines.find((l) => UNTRUSTED.test(l))?.slice(0, 2000)

  // 0. A session it cannot resume (an input error, exit 42).
  const unknownSession = UNKNOWN_SESSION.exec(`${tail(run.stderr)}\n${diag}`)
  if (unknownSession !== null) return sessionNotFound("gemini", run.sessionId, unknownSession[0].trim().slice(0, 2000))

  // 1. The exit code, when gemini gives a specific one.
  const byExit = failureFor(run, run.exitCode, run.exitCode === GeminiExitCode.Untrusted ? untrustedLine ?? words : words)
  if (byExit !== undefined) return byExit

  // 2. A specific code inside an error object (the `json` format carries one).
  for (const r of [...reports].reverse()) {
    const byCode = failureFor(run, r.code ?? null, r.message.slice(0, 2000))
    if (byCode !== undefined) return byCode
  }

  // 3. The untrusted-folder refusal by its words (some versions exit 1).
  if (untrustedLine !== undefined) return failureFor(run, GeminiExitCode.Untrusted, untrustedLine)!
  if (reports.some((r) => /turn.?limit|max(imum)? session turns/i.test(`${r.kind ?? ""} ${r.message}`))) {
    return failureFor(run, GeminiExitCode.TurnLimit, words)!
  }

  // 4. gemini's own words for missing or refused credentials.
  const authLine = lines.find((l) => GEMINI_AUTH.test(l))?.slice(0, 2000)
  if (authLine !== undefined) return failureFor(run, GeminiExitCode.Auth, last?.message.slice(0, 2000) ?? authLine)!

  // 5. The shared text rules, on the error objects' words first, then on
  //    stderr and the diagnostic part of stdout (the generic failure keeps
  //    the real stdout, for the caller to read).
  return classifyByMessages("gemini", run, messages, diag, words)
}

/** A failure reported inside the output of a run that exited 0. */
const failedInOutput = (invocation: Invocation, output: RawOutput): CliFailure =>
  failureInOutput("gemini", invocation, output, classifyRun, messagesOf(errorReports(output.stdout)))

// ---------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------

/**
 * gemini retries a failed API call by itself and says so on stderr:
 * "Attempt 1 failed. Retrying with backoff... Error: exception TypeError:
 * fetch failed sending request", for about five minutes before it gives up.
 * An assistant message or a tool call on stdout means the service answered.
 */
const watch = (stream: "stdout" | "stderr", line: string): RunSignal => {
  if (stream === "stderr") {
    return /^Attempt \d+ failed/.test(line) && NETWORK.test(line)
      ? { _tag: "Unreachable", words: line.slice(0, 500) }
      : undefined
  }
  return (line.includes('"type":"message"') && line.includes('"role":"assistant"')) || line.includes('"type":"tool_use"')
    ? { _tag: "Progress" }
    : undefined
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

const parseJsonObject = (invocation: Invocation, output: RawOutput, whole: JsonObject): Either.Either<Reply, CliFailure> => {
  if (isObject(whole.error)) return Either.left(failedInOutput(invocation, output))
  const stats = obj(whole, "stats")
  return Either.right({
    text: str(whole, "response") ?? "",
    sessionId: str(whole, "session_id"),
    model: mainModel(stats) ?? invocation.model,
    usage: usageFromMetrics(stats),
    costUsd: undefined
  })
}

const parseStream = (invocation: Invocation, output: RawOutput, events: ReadonlyArray<JsonObject>): Either.Either<Reply, CliFailure> => {
  let text = ""
  let sessionId: string | undefined
  let model: string | undefined
  let result: JsonObject | undefined
  let fatalError = false
  let toolSinceText = false

  for (const event of events) {
    switch (event.type) {
      case "init":
        sessionId = str(event, "session_id") ?? sessionId
        model = str(event, "model") ?? model
        break
      case "message": {
        if (event.role !== "assistant") break
        const content = str(event, "content")
        if (content === undefined || content === "") break
        // A new assistant segment after tool work, or a whole (non-delta)
        // message, starts on a fresh line.
        if (text !== "" && (toolSinceText || event.delta !== true) && !text.endsWith("\n")) text += "\n"
        text += content
        toolSinceText = false
        break
      }
      case "tool_use":
      case "tool_result":
        toolSinceText = true
        break
      case "error":
        if (event.severity !== "warning") fatalError = true
        break
      case "result":
        result = event
        break
      default:
        break
    }
  }

  if (result !== undefined && result.status === "error") return Either.left(failedInOutput(invocation, output))
  // A stream cut short (no result) that reported a fatal error and no reply.
  if (result === undefined && fatalError && text === "") return Either.left(failedInOutput(invocation, output))

  const stats = obj(result, "stats")
  return Either.right({
    text,
    sessionId,
    model: model ?? mainModel(stats) ?? invocation.model,
    usage: usageFromStreamStats(stats),
    costUsd: undefined
  })
}

const parseOutput = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const whole = readWholeObject(output.stdout)
  if (whole !== undefined && whole.type === undefined && ("response" in whole || "error" in whole || "session_id" in whole)) {
    return parseJsonObject(invocation, output, whole)
  }
  const events = readJsonLines(output.stdout).events.filter((e) => typeof e.type === "string")
  if (events.length === 0) {
    // Not JSON at all (a CLI that ignored --output-format): keep its text.
    return Either.right({
      text: output.stdout.trim(),
      sessionId: undefined,
      model: invocation.model,
      usage: undefined,
      costUsd: undefined
    })
  }
  return parseStream(invocation, output, events)
}

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

/**
 * Builds the gemini adapter.
 *
 * @since 0.1.0
 */
export const make = (options: GeminiOptions = {}): Provider<GeminiInput> => ({
  cli: "gemini",
  plan: buildPlan(options.trustWorkspace ?? true),
  parse: parseOutput,
  classify: classifyRun,
  watch,
  // Gemini API keys, and Google Cloud's for Vertex AI and Code Assist.
  environment: { always: ["GEMINI_*", "GOOGLE_*", "CLOUDSDK_*"] },
  identity: {
    packages: ["@google/gemini-cli"],
    // `--version` prints a bare version ("0.61.0"): the help tells.
    help: { args: ["--help"], markers: ["--output-format", "stream-json", "--approval-mode"] },
    install: "Gemini CLI: npm install -g @google/gemini-cli"
  }
})

/** The gemini adapter with default options. @since 0.1.0 */
export const provider: Provider<GeminiInput> = make()
