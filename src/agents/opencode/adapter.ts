/**
 * The adapter for opencode (`opencode run`, npm `opencode-ai`).
 *
 * - Always `run --format json --print-logs --log-level ERROR`: JSON events on
 *   stdout; on stderr only the error logs, the one place that tells why
 *   opencode answered "Unexpected server error" (a provider without
 *   credentials, or an unknown model).
 * - The prompt travels on stdin, which is then closed: `run` reads all of it
 *   when stdin is not a terminal. Values are joined to their option
 *   (`--model=x`, `--session=x`).
 * - Permissions and MCP servers travel in the environment
 *   (`OPENCODE_PERMISSION`, `OPENCODE_CONFIG_CONTENT`; see `./config.ts`).
 *   opencode allows edits, shell and fetches by default; without a bypass
 *   the gateway denies them unless the request allows them.
 * - opencode retries a failed model call by itself (5 retries over about
 *   70-110 s, silently) and ignores SIGTERM meanwhile: the runner ends it
 *   with SIGKILL after its grace period.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { CliExitedNonZero, type CliFailure, InvalidRequest } from "../../domain/errors.js"
import { cliWords, NETWORK, networkError, sessionNotFound, tail, unknownOptionHint, withRetriedByCli } from "../../providers/classify.js"
import { classifyFailedRun, classifyReported, failureInOutput } from "../../providers/jsonl.js"
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
import { configContent, permissionRules } from "./config.js"
import { CANNOT_CONNECT, classifyError, runFailed } from "./failures.js"
import type { OpencodeAsyncRequest } from "./request.js"
import { read, readStderr } from "./stream.js"

/** What the opencode adapter accepts (sync and async requests both fit). @since 0.1.0 */
export type OpencodeInput = typeof OpencodeAsyncRequest.Type

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

const BASE = ["run", "--format", "json", "--print-logs", "--log-level", "ERROR"]
const SESSION_ID = /^ses_[0-9A-Za-z]{1,124}$/

const invalid = (message: string, field: string) => Either.left(new InvalidRequest({ message, field }))

const plan = (request: OpencodeInput, context: PlanContext = defaultPlanContext(request)): Either.Either<Invocation, InvalidRequest> => {
  const model = request.model
  if (model !== undefined && !/^[^/]+\/./.test(model)) {
    return invalid(
      `model ${JSON.stringify(model)} names no provider: opencode takes provider/model, e.g. anthropic/claude-sonnet-5 ` +
        "or opencode/big-pickle (list_models shows them)",
      "model"
    )
  }
  const session = sessionChoice(request, request.resumeLatest, {
    idName: "opencode session id",
    advice: "pass opencode's own session id (ses_…, from an earlier reply), or use resumeLatest"
  })
  if (Either.isLeft(session)) return Either.left(session.left)
  const choice = session.right
  if (choice._tag === "Id" && !SESSION_ID.test(choice.id)) {
    return invalid(
      `sessionId ${JSON.stringify(choice.id)} is not an opencode session id (they look like ses_dbaf122c0ffe3y2pMYoLGR5A4C)`,
      "sessionId"
    )
  }
  // `--auto` approves every ask not denied: a bypass, passed only when one is allowed.
  const bypass = request.autoApprove && context.bypassAllowed
  const permission = permissionRules({
    bypass,
    allowedTools: request.allowedTools,
    disallowedTools: request.disallowedTools,
    addDirs: request.addDirs
  })
  if (Either.isLeft(permission)) return Either.left(permission.left)

  const args = [...BASE]
  if (model !== undefined) args.push(`--model=${model}`)
  if (choice._tag === "Id") args.push(`--session=${choice.id}`)
  else if (choice._tag === "Latest") args.push("--continue")
  if (request.agent !== undefined) args.push("--agent", request.agent)
  if (bypass) args.push("--auto")

  const mcp = context.mcpServers
  const servers = mcp !== undefined && mcp.enabled.length > 0 ? mcp.config.mcpServers : undefined
  return Either.right({
    cli: "opencode",
    ...(choice._tag === "Id" ? { sessionId: choice.id } : {}),
    args,
    prompt: { _tag: "Stdin", text: request.prompt },
    env: {
      // MCP servers, their env and headers included: like the provider keys, readable by the same user's
      // processes (as a 0600 file would be) and inherited by opencode's children (its shell commands, MCP servers).
      OPENCODE_CONFIG_CONTENT: JSON.stringify(configContent(servers)),
      ...(Object.keys(permission.right).length > 0 ? { OPENCODE_PERMISSION: JSON.stringify(permission.right) } : {}),
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      // Not ~/.claude/CLAUDE.md and .claude/skills: the gateway runs Claude Code separately.
      OPENCODE_DISABLE_CLAUDE_CODE: "1",
      // A user's OPENCODE_AUTO_SHARE=1 would publish every session.
      OPENCODE_AUTO_SHARE: "false"
    },
    model,
    outputFormat: "text",
    readsEventsOnly: true
  })
}

// ---------------------------------------------------------------------------
// classify (in the order of docs/agents/opencode.md, "Failures")
// ---------------------------------------------------------------------------

const UNKNOWN_SESSION = /^Session not found/
const NO_PROMPT = /You must provide a message or a command/
const NO_POSTINSTALL = /opencode-ai's postinstall script was not run/

const classify = (run: FailedRun): CliFailure => {
  const stream = read(run)
  const stderr = readStderr(run.stderr)
  const exitCode = run.exitCode
  if (stderr.help) {
    return new CliExitedNonZero({
      message: `opencode refused its arguments and printed its help (exit ${exitCode}; it does not name the option)`,
      command: run.command,
      cli: "opencode",
      exitCode,
      signal: run.signal,
      stderrTail: tail(run.stderr),
      stdoutTail: tail(run.stdout),
      hint: unknownOptionHint("opencode")
    })
  }
  const errors = [...stream.errors, ...(stderr.errorObject !== undefined ? [stderr.errorObject] : [])]
  const noise = stream.noise.join("\n")
  // Only error words are searched: the events may quote anything the user or the model said.
  const haystack = [stderr.text, noise, ...errors.map((e) => e.message)].join("\n")
  const last = errors[errors.length - 1]?.message ?? stderr.error
  const words = (last ?? cliWords({ stderr: stderr.text, stdout: noise })).slice(0, 2000)
  for (const error of errors) {
    const specific = classifyError(error, exitCode, stderr.logs, run.model)
    if (specific !== undefined) return specific
  }
  const line = stderr.error ?? ""
  if (UNKNOWN_SESSION.test(line)) return sessionNotFound("opencode", run.sessionId, line)
  if (NO_PROMPT.test(line)) return runFailed("opencode received no prompt", line, exitCode, "Send a prompt that is not empty.")
  if (NO_POSTINSTALL.test(stderr.text)) {
    return runFailed("opencode's install is incomplete", "opencode-ai's postinstall script was not run", exitCode,
      "Run `node postinstall.mjs` in the opencode-ai package folder, or reinstall with " +
        "`npm install -g --allow-scripts=opencode-ai opencode-ai` (npm may skip install scripts).")
  }
  if (CANNOT_CONNECT.test(line)) return networkError("opencode", line, exitCode, { retriedByCli: true })
  if (errors.some((e) => e.name === "UnknownError") && errors.every((e) => e.name === "UnknownError")) {
    return runFailed("opencode failed with an unexplained server error", words, exitCode,
      "Usually the model's provider has no key (`opencode auth login`, or set e.g. ANTHROPIC_API_KEY) or the model " +
        "is unknown (list_models); `opencode run --print-logs --log-level ERROR -m <model>` shows which.")
  }
  if (errors.length > 0) return withRetriedByCli(classifyReported("opencode", words, { exitCode, model: run.model }), true)
  // opencode retries failed connections silently, so a network failure found by the shared rules was retried too.
  return withRetriedByCli(classifyFailedRun("opencode", run, haystack, words), true)
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

const parse = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const stream = read(output)
  if (stream.errors.length > 0) {
    return Either.left(failureInOutput("opencode", invocation, output, classify, stream.errors.map((e) => e.message)))
  }
  // An ask answered "reject" (no human in a headless run) stops the agent loop, with exit 0.
  if (stream.rejected !== undefined) {
    const asked = readStderr(output.stderr).rejections
    return Either.left(runFailed(
      "opencode stopped at a tool call that needed approval",
      asked[asked.length - 1] ?? stream.rejected,
      0,
      "Allow it up front: addDirs for a folder outside the working one, allowedTools for a tool (e.g. `read(*.env)`), or autoApprove."
    ))
  }
  const texts = stream.lastStepTexts.length > 0 ? stream.lastStepTexts : stream.allTexts
  const cut = stream.noise[stream.noise.length - 1]
  if (stream.eventCount > 0 && texts.length === 0 && cut?.startsWith("{") === true) {
    return Either.left(runFailed("opencode's output stopped in the middle of an event, with no reply", cut.slice(0, 500), 0,
      "Run the request again; the job's raw output (llm_job_result) shows what opencode printed."))
  }
  const text = stream.eventCount === 0
    ? (output.events !== undefined ? stream.noise.join("\n") : output.stdout.trim())
    : texts.join("\n")
  return Either.right({
    text,
    sessionId: stream.sessionId,
    // opencode's events do not name the model: the one asked for, when one was.
    model: invocation.model,
    usage: stream.usage,
    costUsd: stream.costUsd
  })
}

// ---------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------

const PROGRESS = /^\{"type":"(step_start|text|reasoning|tool_use|step_finish)"/

/**
 * Events of a step mean the model answered. On stderr, an error log of a
 * model call that could not connect means opencode is retrying it (silently
 * otherwise); models.dev's catalog failing to download is not the provider.
 */
const watch = (stream: "stdout" | "stderr", line: string): RunSignal => {
  if (stream === "stdout") return PROGRESS.test(line) ? { _tag: "Progress" } : undefined
  if (/models\.dev|models\.opencode\.ai/.test(line)) return undefined
  return CANNOT_CONNECT.test(line) || NETWORK.test(line) ? { _tag: "Unreachable", words: line.slice(0, 500) } : undefined
}

// ---------------------------------------------------------------------------

/** The platform packages `opencode-ai` installs its binary from (1.18.33). */
const PLATFORM_PACKAGES = [
  "linux-x64", "linux-x64-baseline", "linux-x64-musl", "linux-x64-baseline-musl", "linux-arm64", "linux-arm64-musl",
  "darwin-arm64", "darwin-x64", "darwin-x64-baseline", "windows-x64", "windows-x64-baseline", "windows-arm64"
].map((p) => `opencode-${p}`)

/**
 * Builds the opencode adapter.
 *
 * @since 0.1.0
 */
export const make = (): Provider<OpencodeInput> => ({
  cli: "opencode",
  plan,
  parse,
  classify,
  watch,
  // opencode's own settings and auth (OPENCODE_API_KEY, OPENCODE_AUTH_CONTENT), and the keys of the providers
  // its docs name. It is a multi-provider CLI: other providers' keys go through LLM_GATEWAY_CHILD_ENV.
  environment: {
    always: [
      "OPENCODE_*",
      "ANTHROPIC_API_KEY",
      "OPENAI_API_KEY",
      "GOOGLE_API_KEY",
      "GOOGLE_GENERATIVE_AI_API_KEY",
      "GEMINI_API_KEY",
      "OPENROUTER_API_KEY",
      "XAI_API_KEY"
    ]
  },
  identity: {
    // `opencode-ai/bin/opencode.exe` is a hard link to the platform binary, so its real path stays in opencode-ai.
    packages: ["opencode-ai", ...PLATFORM_PACKAGES],
    // `--version` prints a bare version ("1.18.33"): the help tells. `run --help` prints on stderr.
    help: {
      args: ["run", "--help"],
      markers: [
        "opencode run [message..]",
        "--format",
        "--model",
        "--session",
        "--continue",
        "--agent",
        "--auto",
        "--print-logs",
        "--log-level"
      ]
    },
    install: "opencode: npm install -g opencode-ai"
  }
})

/** The opencode adapter. @since 0.1.0 */
export const provider: Provider<OpencodeInput> = make()
