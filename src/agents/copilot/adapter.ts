/**
 * The adapter for GitHub Copilot CLI (`copilot`).
 *
 * - The prompt travels on stdin, which is then closed: copilot runs in prompt
 *   mode when stdin is not a terminal and reads all of it. `-p` is never
 *   passed (`-p -` would be the literal prompt "-").
 * - Always `--output-format json` (JSONL session events, then one `result`
 *   line with the session id), `--no-auto-update` (run the installed
 *   version, not one that auto-update downloaded) and `--no-ask-user`.
 * - Every value is joined to its option (`--model=x`, `--allow-tool=x`):
 *   copilot's tool options take any number of values, and `--resume` an
 *   optional one.
 * - No token usage: copilot writes tokens only to a `--usage-output-file`,
 *   which the gateway does not ask for.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { CliExitedNonZero, type CliFailure, CliModelUnknown, CliRateLimited, CliRunFailed, type InvalidRequest } from "../../domain/errors.js"
import {
  authRequired,
  cliWords,
  NETWORK,
  networkError,
  sessionNotFound,
  tail,
  unknownOptionHint,
  withRetriedByCli
} from "../../providers/classify.js"
import { classifyFailedRun, failureInOutput, isObject, num, obj, readWholeObject, str } from "../../providers/jsonl.js"
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
import type { CopilotAsyncRequest } from "./request.js"
import { read, unquote } from "./stream.js"

/** A copilot request, sync or async. @since 0.1.0 */
export type CopilotInput = typeof CopilotAsyncRequest.Type

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

const joined = (flag: string, values: ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  (values ?? []).map((value) => `${flag}=${value}`)

/** copilot's MCP file: each server offers all its tools (`"tools": ["*"]`) unless it names them. */
const copilotMcpConfig = (config: { readonly mcpServers: Readonly<Record<string, unknown>> }) => ({
  mcpServers: Object.fromEntries(
    Object.entries(config.mcpServers).map(([name, server]) => [
      name,
      isObject(server) && !("tools" in server) ? { ...server, tools: ["*"] } : server
    ])
  )
})

const plan = (request: CopilotInput, context: PlanContext = defaultPlanContext(request)): Either.Either<Invocation, InvalidRequest> =>
  Either.map(
    sessionChoice(request, request.resumeLatest, {
      idName: "copilot session id",
      advice: "pass the copilot session id that session_get reports, or omit sessionId (set resumeLatest to resume the latest session)"
    }),
    (session) => {
      const args: Array<string> = ["--output-format", "json", "--no-auto-update", "--no-ask-user"]
      if (request.model !== undefined) args.push(`--model=${request.model}`)
      if (request.reasoningEffort !== undefined) args.push(`--reasoning-effort=${request.reasoningEffort}`)
      // Every tool, path and URL: a bypass, passed only when one is allowed.
      if (request.allowAllTools && context.bypassAllowed) args.push("--allow-all")
      args.push(...joined("--allow-tool", request.allowedTools))
      args.push(...joined("--deny-tool", request.disallowedTools))
      args.push(...joined("--add-dir", request.addDirs))
      // `--continue` with no session to continue starts a new one (copilot 1.0.102).
      if (session._tag === "Id") args.push(`--resume=${session.id}`)
      else if (session._tag === "Latest") args.push("--continue")
      const mcp = context.mcpServers
      return {
        cli: "copilot",
        ...(session._tag === "Id" ? { sessionId: session.id } : {}),
        args,
        prompt: { _tag: "Stdin", text: request.prompt },
        env: {},
        model: request.model,
        outputFormat: "text",
        readsEventsOnly: true,
        // `--additional-mcp-config @<file>`: a value without `@` would be read as inline JSON.
        ...(mcp !== undefined && mcp.enabled.length > 0
          ? { mcpConfig: { flag: "--additional-mcp-config", config: copilotMcpConfig(mcp.config), pathPrefix: "@" } }
          : {})
      } satisfies Invocation
    }
  )

// ---------------------------------------------------------------------------
// classify (in the order of docs/agents/copilot.md)
// ---------------------------------------------------------------------------

// clap's refusals of the argv (copilot exits 1 for them, not 2).
const USAGE =
  /error: (unexpected argument|invalid value '|a value is required for|the argument '[^'\n]{1,80}' cannot be used with|Invalid command format)/
// A token copilot could not check for want of a network (it retried the check for about 7 s).
const TOKEN_UNCHECKED = /Authentication token found but could not be validated/
const NETWORK_WORDS = /network fetch failed|error sending request|Check your network connection/
const NO_CONNECTION = /Could not connect to/
const COPILOT_AUTH =
  /No authentication information found|Classic Personal Access Tokens \(ghp_\) are not supported|Authorization error\. Your credentials may be expired or invalid|does not have Copilot Requests permission|You are not licensed to use Copilot|not authorized to use this Copilot feature/
const COPILOT_RATE =
  /You've hit your rate limit|You've hit the rate limit for this model|You've reached your weekly rate limit|session rate limit|You've run out of your included AI credits|additional usage limit|spending limit for this session/
const COPILOT_MODEL = /Model "[^"\n]{0,200}" from --model flag is not available|No supported model available|Model '[^'\n]{0,200}' not found/
const UNKNOWN_SESSION = /No session(?:, task, or name| or task) matched '([^'\n]{0,200})'/

const AUTH_TYPES = new Set(["authentication", "authorization"])
const RATE_TYPES = new Set(["rate_limit", "quota"])

/** The first line of a text that a pattern finds, trimmed. */
const lineWith = (text: string, pattern: RegExp): string | undefined =>
  text.split("\n").map((l) => l.trim()).find((l) => pattern.test(l))?.slice(0, 2000)

const classify = (run: FailedRun): CliFailure => {
  const stream = read(run)
  const messages = stream.errors.map((e) => e.message)
  const noise = stream.noise.join("\n")
  // Only error words are searched: the events may quote anything the user or the model said.
  const haystack = [tail(run.stderr), noise, ...messages, stream.transport ?? ""].join("\n")
  const words = (messages[messages.length - 1] ?? cliWords({ stderr: run.stderr, stdout: noise })).slice(0, 2000)
  const types = new Set(stream.errors.map((e) => e.errorType))
  const exitCode = run.exitCode
  const base = { cli: "copilot" as const, cliMessage: words, exitCode }

  const usage = lineWith(haystack, USAGE)
  if (usage !== undefined) {
    return new CliExitedNonZero({
      message: `copilot refused its arguments (exit ${exitCode}): ${usage}`,
      command: run.command,
      cli: "copilot",
      exitCode,
      signal: run.signal,
      stderrTail: tail(run.stderr),
      stdoutTail: tail(run.stdout),
      hint: unknownOptionHint("copilot")
    })
  }
  // Before the auth words: copilot's network refusal ends with the same "To authenticate…" list.
  if (TOKEN_UNCHECKED.test(haystack) && NETWORK_WORDS.test(haystack)) {
    return networkError("copilot", lineWith(haystack, NETWORK) ?? words, exitCode, { retriedByCli: true })
  }
  const unreachable = messages.find((m) => NO_CONNECTION.test(m))
  if (unreachable !== undefined) {
    return networkError("copilot", unreachable.split("\n")[0]!.trim(), exitCode, { retriedByCli: true })
  }
  if (stream.errors.some((e) => e.errorType !== undefined && AUTH_TYPES.has(e.errorType)) || COPILOT_AUTH.test(haystack)) {
    return authRequired("copilot", messages.length > 0 ? words : (lineWith(haystack, COPILOT_AUTH) ?? words), exitCode)
  }
  if ([...types].some((t) => t !== undefined && RATE_TYPES.has(t)) || COPILOT_RATE.test(haystack)) {
    return new CliRateLimited({
      ...base,
      message: `copilot was rate limited or is out of credits: ${words}`,
      hint: "Wait until the limit resets, or switch to another model (`model`) or CLI."
    })
  }
  const model = lineWith(haystack, COPILOT_MODEL)
  if (model !== undefined) {
    return new CliModelUnknown({
      ...base,
      cliMessage: model,
      message: `copilot cannot use the model${run.model !== undefined ? ` "${run.model}"` : ""}: ${model}`,
      hint: "Call list_models for the models copilot knows, use `auto`, or omit `model` to use its default.",
      ...(run.model !== undefined ? { model: run.model } : {})
    })
  }
  const session = UNKNOWN_SESSION.exec(haystack)
  if (session !== null) return sessionNotFound("copilot", run.sessionId ?? session[1], session[0])
  return withRetriedByCli(classifyFailedRun("copilot", run, haystack, words), stream.retried)
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

// The text format's footer: "Resume     copilot --resume=<id>".
const RESUME_LINE = /copilot --resume=([0-9A-Za-z-]{1,128})/

const parse = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const stream = read(output)
  const { result } = stream
  const failed = stream.errors.length > 0 ||
    (num(result, "exitCode") ?? 0) !== 0 ||
    str(result, "outcome") === "blocked"
  if (failed) {
    const messages = stream.errors.map((e) => e.message)
    const blocker = result?.["blocker"]
    const blocked = blocker === undefined ? [] : [`the prompt was blocked: ${typeof blocker === "string" ? blocker : JSON.stringify(blocker)}`]
    return Either.left(failureInOutput("copilot", invocation, output, classify, [...messages, ...blocked]))
  }
  if (stream.aborted) {
    return Either.left(
      new CliRunFailed({
        cli: "copilot",
        cliMessage: "abort (user_initiated)",
        exitCode: 0,
        message: "copilot's turn was aborted (SIGTERM or SIGINT) before it finished",
        hint: "Run the request again; if something else stops copilot, find what sends it the signal."
      })
    )
  }
  // copilot ends every run it finishes with a `result` line: events with neither it nor any reply are a run cut short.
  if (stream.eventCount > 0 && result === undefined && stream.reply === undefined && stream.partial === undefined) {
    return Either.left(
      new CliRunFailed({
        cli: "copilot",
        cliMessage: stream.noise[stream.noise.length - 1]?.slice(0, 500) ?? "",
        exitCode: 0,
        message: "copilot's output ended before any reply or result: the run was cut short",
        hint: "Run the request again; the job's raw output (llm_job_result) shows what copilot printed."
      })
    )
  }
  const text = stream.eventCount === 0
    ? (output.events !== undefined ? stream.noise.join("\n") : output.stdout.trim())
    : (stream.partial ?? stream.reply ?? "")
  return Either.right({
    text,
    sessionId: str(result, "sessionId") ?? RESUME_LINE.exec(output.stderr)?.[1],
    model: stream.model ?? invocation.model,
    usage: undefined,
    costUsd: undefined
  })
}

// ---------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------

// Events that show the model answering.
const PROGRESS = /^\{"type":"(assistant\.(message|message_delta|message_start|tool_call_delta|reasoning_delta)|tool\.execution_(start|complete))"/

/**
 * copilot retries a model call by itself (5 retries with backoff), printing
 * `model.call_failure` events; `failureKind: "transport"` means no HTTP
 * answer (refused connection, DNS). Assistant output means the model
 * answered. Before the session starts, it prints its network refusal on
 * stderr when it gives up (about 20 s).
 */
const watch = (stream: "stdout" | "stderr", line: string): RunSignal => {
  if (stream === "stderr") return NETWORK.test(line) ? { _tag: "Unreachable", words: line.slice(0, 500) } : undefined
  if (line.includes('"model.call_failure"')) {
    const data = obj(readWholeObject(line), "data")
    if (str(data, "failureKind") !== "transport") return undefined
    return {
      _tag: "Unreachable",
      words: `copilot could not reach its model (${unquote(str(data, "errorMessage") ?? "transport error").slice(0, 400)}); copilot is retrying`
    }
  }
  return PROGRESS.test(line) ? { _tag: "Progress" } : undefined
}

// ---------------------------------------------------------------------------

/**
 * Builds the copilot adapter.
 *
 * @since 0.1.0
 */
export const make = (): Provider<CopilotInput> => ({
  cli: "copilot",
  plan,
  parse,
  classify,
  watch,
  // Named one by one, not `COPILOT_*`: COPILOT_PROMPT_TURN_DELIMITER would split the prompt into turns,
  // COPILOT_ALLOW_ALL and COPILOT_ASSISTED_APPROVAL would change what copilot approves.
  environment: {
    always: [
      "COPILOT_GITHUB_TOKEN",
      "GH_TOKEN",
      "GITHUB_TOKEN",
      "GH_HOST",
      "COPILOT_GH_HOST",
      "GH_CONFIG_DIR",
      "COPILOT_HOME",
      "COPILOT_MODEL",
      "COPILOT_AUTO_TIER",
      "COPILOT_AUTO_UPDATE",
      "COPILOT_OFFLINE",
      "COPILOT_CUSTOM_INSTRUCTIONS_DIRS",
      "COPILOT_PROVIDER_*",
      "COPILOT_OTEL_*"
    ]
  },
  identity: {
    packages: ["@github/copilot"],
    // "GitHub Copilot CLI 1.0.102." (then "Run 'copilot update' to check for updates.")
    version: /^GitHub Copilot CLI (\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\.?$/m,
    install: "GitHub Copilot CLI: npm install -g @github/copilot"
  }
})

/**
 * The copilot adapter.
 *
 * @since 0.1.0
 */
export const provider: Provider<CopilotInput> = make()
