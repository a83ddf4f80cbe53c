/**
 * Reading opencode's output. `run --format json` prints one event a line
 * (`step_start`, `text`, `tool_use`, `step_finish`, `error`, each with the
 * `sessionID`); there is no final result event and no model name. stderr
 * carries ANSI-coloured `Error: …` lines, `! …` warnings, the command's help
 * after a usage error, and (with `--print-logs`) `timestamp=… level=ERROR …`
 * log lines. Pure.
 *
 * @since 0.1.0
 */
import type { Usage } from "../../domain/Usage.js"
import { isObject, type JsonObject, num, obj, readJsonLines, readWholeObject, str, sumOf, usageOf } from "../../providers/jsonl.js"
import type { RawOutput } from "../../providers/Provider.js"

/** An error opencode reported: its `name` (`APIError`, `UnknownError`, …) and `data`. @since 0.1.0 */
export interface OpencodeError {
  readonly name: string
  readonly message: string
  readonly data: JsonObject | undefined
}

/** What a run printed on stdout. @since 0.1.0 */
export interface OpencodeStream {
  readonly sessionId: string | undefined
  /** The text parts of the last step (after the last `step_start`), in order. */
  readonly lastStepTexts: ReadonlyArray<string>
  /** Every text part, in order. */
  readonly allTexts: ReadonlyArray<string>
  readonly errors: ReadonlyArray<OpencodeError>
  /** The error of a tool call in the last step that was refused for want of approval: the run stopped there. */
  readonly rejected: string | undefined
  readonly usage: Usage | undefined
  readonly costUsd: number | undefined
  readonly eventCount: number
  readonly noise: ReadonlyArray<string>
}

// run.ts's words for an "ask" answered with "reject" (the agent loop stops after it).
const REJECTED = /^The user rejected permission to use this specific tool call/

/** An `error` object (`{name, data: {message, …}}`) as opencode reports it. @since 0.1.0 */
export const errorOf = (error: JsonObject | undefined): OpencodeError | undefined => {
  if (error === undefined) return undefined
  const name = str(error, "name") ?? "UnknownError"
  const data = obj(error, "data")
  const message = str(data, "message") ?? str(error, "message") ?? name
  return { name, message: message.trim().slice(0, 2000), data }
}

/** Reads the events (as the runner collected them, or from stdout); unknown events are skipped. @since 0.1.0 */
export const read = (output: Pick<RawOutput, "stdout" | "events">): OpencodeStream => {
  const { events, noise } = output.events ?? readJsonLines(output.stdout)
  let sessionId: string | undefined
  let lastStep: Array<string> = []
  let rejected: string | undefined
  const allTexts: Array<string> = []
  const errors: Array<OpencodeError> = []
  const finishes: Array<JsonObject> = []
  for (const event of events) {
    sessionId ??= str(event, "sessionID")
    const part = obj(event, "part")
    switch (str(event, "type")) {
      case "step_start":
        lastStep = []
        rejected = undefined
        break
      case "text": {
        const text = str(part, "text")?.trim()
        if (text !== undefined && text !== "") {
          lastStep.push(text)
          allTexts.push(text)
        }
        break
      }
      case "tool_use": {
        const state = obj(part, "state")
        const error = str(state, "error")
        if (str(state, "status") === "error" && error !== undefined && REJECTED.test(error)) rejected = error.slice(0, 500)
        break
      }
      case "step_finish":
        if (part !== undefined) finishes.push(part)
        break
      case "error": {
        const error = errorOf(obj(event, "error"))
        if (error !== undefined) errors.push(error)
        break
      }
    }
  }
  return {
    sessionId,
    lastStepTexts: lastStep,
    allTexts,
    errors,
    rejected,
    ...usageOfSteps(finishes),
    eventCount: events.length,
    noise
  }
}

/** The run's tokens and cost: the sum over its `step_finish` parts (the last one may be missing). */
const usageOfSteps = (finishes: ReadonlyArray<JsonObject>): Pick<OpencodeStream, "usage" | "costUsd"> => {
  const tokens = finishes.map((f) => obj(f, "tokens"))
  const sum = (read: (t: JsonObject | undefined) => number | undefined) => sumOf(tokens.map(read))
  return {
    usage: usageOf({
      inputTokens: sum((t) => num(t, "input")),
      outputTokens: sum((t) => num(t, "output")),
      cachedInputTokens: sum((t) => num(obj(t, "cache"), "read")),
      cacheCreationInputTokens: sum((t) => num(obj(t, "cache"), "write")),
      reasoningTokens: sum((t) => num(t, "reasoning")),
      totalTokens: sum((t) => num(t, "total"))
    }),
    costUsd: sumOf(finishes.map((f) => num(f, "cost")))
  }
}

// ---------------------------------------------------------------------------
// stderr
// ---------------------------------------------------------------------------

/** What a run printed on stderr, without colour codes. @since 0.1.0 */
export interface OpencodeStderr {
  /** stderr without the log lines and the help text. */
  readonly text: string
  /** The `--print-logs` lines. */
  readonly logs: string
  /** The message of the first `Error: …` line. */
  readonly error: string | undefined
  /** An error object the default format prints pretty (`Error: {` … `}`). */
  readonly errorObject: OpencodeError | undefined
  /** stderr is the `run` command's help: how opencode's parser refuses an unknown option or a bad choice. */
  readonly help: boolean
  /** The "permission requested: …; auto-rejecting" lines. */
  readonly rejections: ReadonlyArray<string>
}

const ANSI = /\u001b\[[0-9;]*m/g
const LOG_LINE = /^timestamp=\S+ level=[A-Z]+ /
const HELP_START = "opencode run [message..]"

/** @since 0.1.0 */
export const readStderr = (stderr: string): OpencodeStderr => {
  const plain = stderr.replace(ANSI, "")
  const help = plain.trimStart().startsWith(HELP_START)
  const lines = help ? [] : plain.split("\n")
  const logs = lines.filter((l) => LOG_LINE.test(l))
  const rest = lines.filter((l) => !LOG_LINE.test(l))
  const errorAt = rest.findIndex((l) => l.startsWith("Error: "))
  const first = errorAt < 0 ? undefined : rest[errorAt]!.slice("Error: ".length).trim()
  let errorObject: OpencodeError | undefined
  if (first === "{") {
    const close = rest.findIndex((l, i) => i > errorAt && l === "}")
    const body = readWholeObject(["{", ...rest.slice(errorAt + 1, close < 0 ? rest.length : close + 1)].join("\n"))
    errorObject = isObject(body) ? errorOf(body) : undefined
  }
  return {
    text: rest.join("\n").trim(),
    logs: logs.join("\n"),
    error: errorObject?.message ?? (first !== undefined && first !== "" ? first.slice(0, 2000) : undefined),
    errorObject,
    help,
    rejections: rest.map((l) => l.trim()).filter((l) => /^! ?permission requested: /.test(l)).map((l) => l.slice(1).trim())
  }
}
