/**
 * The adapter for the OpenAI Codex CLI (`codex exec`).
 *
 * codex always runs with `--json` (JSONL events) and reads the prompt from
 * stdin (`-` as the prompt argument); the reply is the last agent message.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { type CliFailure, CliWorkspaceUntrusted, type InvalidRequest } from "../../domain/errors.js"
import type { CodexAsyncRequest } from "./request.js"
import type { Usage } from "../../domain/Usage.js"
import { cliWords, NETWORK, sessionNotFound } from "../../providers/classify.js"
import {
  classifyFailedRun,
  classifyReported,
  type JsonObject,
  num,
  obj,
  readJsonStream,
  readWholeObject,
  str,
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

/**
 * A codex request, sync or async.
 *
 * @since 0.1.0
 */
export type CodexInput = typeof CodexAsyncRequest.Type

/**
 * @since 0.1.0
 */
export interface CodexOptions {
  /** The model to ask for when a request names none (`CODEX_DEFAULT_MODEL`). */
  readonly defaultModel?: string | undefined
}

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

const resumeOf = (request: CodexInput) =>
  sessionChoice(request, request.resumeLatest, {
    idName: "codex thread id",
    advice:
      "pass the codex thread id that session_get reports, or omit sessionId (set resumeLatest to resume the latest session)"
  })

const plan =
  (options: CodexOptions) =>
  (request: CodexInput, context: PlanContext = defaultPlanContext(request)): Either.Either<Invocation, InvalidRequest> =>
    Either.map(resumeOf(request), (resume) => {
      const model = request.model ?? options.defaultModel
      const args: Array<string> = ["exec", "--json", "--skip-git-repo-check"]
      if (model !== undefined) args.push("--model", model)
      // `--full-auto` is gone from codex; its meaning is `--sandbox
      // workspace-write`. A resumed session keeps its own sandbox.
      if (request.fullAuto && resume._tag === "New") args.push("--sandbox", "workspace-write")
      if (request.dangerouslyBypassApprovalsAndSandbox && context.bypassAllowed) {
        args.push("--dangerously-bypass-approvals-and-sandbox")
      }
      if (resume._tag === "Id") args.push("resume", resume.id)
      else if (resume._tag === "Latest") args.push("resume", "--last")
      // The prompt argument `-`: read the prompt from stdin.
      args.push("-")
      return {
        cli: "codex",
        ...(resume._tag === "Id" ? { sessionId: resume.id } : {}),
        args,
        prompt: { _tag: "Stdin", text: request.prompt },
        env: {},
        model,
        outputFormat: "text",
        // `--json`: the reply is rendered from the events, read as they arrive.
        readsEventsOnly: true
      } satisfies Invocation
    })

// ---------------------------------------------------------------------------
// reading the output
// ---------------------------------------------------------------------------

interface CodexStream {
  readonly events: ReadonlyArray<JsonObject>
  readonly noise: ReadonlyArray<string>
  readonly threadId: string | undefined
  /** The text of the last completed agent message. */
  readonly message: string | undefined
  readonly usage: Usage | undefined
  /** How the last turn ended, when it did. */
  readonly turn: { readonly _tag: "Completed" } | { readonly _tag: "Failed"; readonly message: string } | undefined
  /** Messages of `error` events, in order. */
  readonly errors: ReadonlyArray<string>
}

// `agent_message` since codex 0.44; `assistant_message` (in `item_type`) before.
const AGENT_MESSAGE = new Set(["agent_message", "assistant_message"])

const usageOfTurn = (u: JsonObject | undefined): Usage | undefined =>
  u === undefined
    ? undefined
    : usageOf({
        inputTokens: num(u, "input_tokens"),
        outputTokens: num(u, "output_tokens"),
        cachedInputTokens: num(u, "cached_input_tokens"),
        cacheCreationInputTokens: undefined,
        reasoningTokens: num(u, "reasoning_output_tokens") ?? num(u, "reasoning_tokens"),
        totalTokens: num(u, "total_tokens")
      })

const read = (output: Pick<RawOutput, "stdout" | "events">): CodexStream => {
  const { events, noise } = output.events ?? readJsonStream(output.stdout)
  let threadId: string | undefined
  let message: string | undefined
  let usage: Usage | undefined
  let turn: CodexStream["turn"]
  const errors: Array<string> = []
  for (const event of events) {
    switch (str(event, "type")) {
      case "thread.started":
        threadId = str(event, "thread_id") ?? threadId
        break
      case "session.created":
        threadId = str(event, "session_id") ?? threadId
        break
      case "item.completed": {
        const item = obj(event, "item")
        const kind = str(item, "type") ?? str(item, "item_type")
        const text = str(item, "text")
        if (kind !== undefined && AGENT_MESSAGE.has(kind) && text !== undefined) message = text
        break
      }
      case "turn.completed":
        usage = usageOfTurn(obj(event, "usage")) ?? usage
        turn = { _tag: "Completed" }
        break
      case "turn.failed":
        turn = { _tag: "Failed", message: str(obj(event, "error"), "message") ?? "the turn failed" }
        break
      case "error": {
        const m = str(event, "message")
        if (m !== undefined) errors.push(m)
        break
      }
    }
  }
  return { events, noise, threadId, message, usage, turn, errors }
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

const parse = (invocation: Invocation, output: RawOutput): Either.Either<Reply, CliFailure> => {
  const stream = read(output)
  const context = { exitCode: 0, model: invocation.model }
  if (stream.turn?._tag === "Failed") return Either.left(classifyReported("codex", stream.turn.message, context))
  const lastError = stream.errors[stream.errors.length - 1]
  if (stream.turn === undefined && stream.message === undefined && lastError !== undefined) {
    return Either.left(classifyReported("codex", lastError, context))
  }
  // Without `--json` codex prints only the final message on stdout.
  const text = stream.events.length === 0
    ? (output.events !== undefined ? stream.noise.join("\n") : output.stdout.replace(/[\r\n]+$/, ""))
    : (stream.message ?? "")
  return Either.right({
    text,
    sessionId: stream.threadId,
    model: invocation.model,
    usage: stream.usage,
    costUsd: undefined
  })
}

// ---------------------------------------------------------------------------
// classify
// ---------------------------------------------------------------------------

const UNTRUSTED = /not inside a trusted directory/i
// codex's words for a thread it does not know: "Error: thread/resume:
// thread/resume failed: no rollout found for thread id <id> (code -32600)".
const UNKNOWN_THREAD = /no rollout found for thread id\s*([^\s()]{0,200})/i

const classify = (run: FailedRun): CliFailure => {
  const stream = read(run)
  const noise = stream.noise.join("\n")
  const failed = stream.turn?._tag === "Failed" ? stream.turn.message : undefined
  const reported = failed ?? stream.errors[stream.errors.length - 1]
  // Only error words are searched: agent messages may quote anything.
  const haystack = [run.stderr, noise, ...stream.errors, failed ?? ""].join("\n")
  const words = reported ?? cliWords({ stderr: run.stderr, stdout: noise })
  const unknownThread = UNKNOWN_THREAD.exec(haystack)
  if (unknownThread !== null) {
    return sessionNotFound("codex", run.sessionId ?? (unknownThread[1] || undefined), unknownThread[0].trim())
  }
  if (UNTRUSTED.test(haystack)) {
    return new CliWorkspaceUntrusted({
      message: `codex refused to run outside a trusted folder: ${words}`,
      cli: "codex",
      hint: "Run in a git repository or a folder codex trusts (the gateway passes --skip-git-repo-check).",
      cliMessage: words,
      exitCode: run.exitCode,
      cwd: run.cwd
    })
  }
  return classifyFailedRun("codex", run, haystack, words)
}

// ---------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------

/**
 * codex never gives up on the network: it prints `{"type":"error","message":
 * "Reconnecting... 2/5 (stream disconnected before completion: failed to
 * lookup address information …)"}`, then "Reconnecting... waiting for
 * network (…)" about once a minute, for ever. Items and turns that are not
 * errors mean the service answered.
 */
const HTTP_STATUS = /\bunexpected status \d{3}\b/i

const watch = (stream: "stdout" | "stderr", line: string): RunSignal => {
  if (stream === "stderr") return undefined
  const event = readWholeObject(line)
  if (event === undefined) return undefined
  const type = str(event, "type")
  if (type === "error") {
    const message = str(event, "message") ?? ""
    // A reconnect after an HTTP answer ("Reconnecting... 2/5 (unexpected status 401 Unauthorized: …)")
    // is not a network failure: the service answered, and codex ends with its words.
    return NETWORK.test(message) && !HTTP_STATUS.test(message)
      ? { _tag: "Unreachable", words: message.slice(0, 500) }
      : undefined
  }
  if (type === "item.completed" || type === "item.started" || type === "item.updated") {
    const itemType = str(obj(event, "item"), "type")
    return itemType === "error" ? undefined : { _tag: "Progress" }
  }
  return type === "turn.completed" ? { _tag: "Progress" } : undefined
}

// ---------------------------------------------------------------------------

/**
 * Builds the codex adapter.
 *
 * @since 0.1.0
 */
export const make = (options: CodexOptions = {}): Provider<CodexInput> => ({
  cli: "codex",
  plan: plan(options),
  parse,
  classify,
  watch,
  environment: { always: ["OPENAI_*", "CODEX_*", "AZURE_OPENAI_*"] },
  identity: {
    packages: ["@openai/codex"],
    // "codex-cli 0.171.0"
    version: /\bcodex(-cli)?\b/i,
    install: "Codex: npm install -g @openai/codex"
  }
})

/**
 * The codex adapter with default options.
 *
 * @since 0.1.0
 */
export const provider: Provider<CodexInput> = make()
