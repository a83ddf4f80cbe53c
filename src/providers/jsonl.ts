/**
 * Small, tolerant readers for the line-delimited JSON the CLIs print, and
 * the helpers adapters share to turn an error reported inside the output
 * into a classified failure.
 *
 * Nothing here throws: a line that is not a JSON object is kept aside as
 * noise, and a field of an unexpected type reads as absent.
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"
import { type CliFailure, CliRunFailed } from "../domain/errors.js"
import type { Usage } from "../domain/Usage.js"
import { classifyByText, cliWords, tail, withRunTails } from "./classify.js"
import type { FailedRun, Invocation, RawOutput } from "./Provider.js"

/**
 * A JSON object as read from the output.
 *
 * @since 0.1.0
 */
export type JsonObject = { readonly [key: string]: unknown }

/**
 * What a CLI's stdout holds: its JSON objects in order, and the lines that
 * were not JSON objects (banners, warnings, a truncated last line).
 *
 * @since 0.1.0
 */
export interface JsonStream {
  readonly events: ReadonlyArray<JsonObject>
  readonly noise: ReadonlyArray<string>
}

/** @since 0.1.0 */
export const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const tryJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/**
 * Reads stdout as JSON: a whole document (one object, or an array of
 * objects, as some CLIs print in their `json` format) or, failing that, one
 * object per line. Lines that are not JSON objects go to `noise`.
 *
 * @since 0.1.0
 */
export const readJsonStream = (stdout: string): JsonStream => {
  const whole = stdout.trim()
  // A line that starts a new object means JSON lines: parsing it whole would fail, at the cost of reading it all.
  if ((whole.startsWith("{") || whole.startsWith("[")) && !/\n\{/.test(whole)) {
    const doc = tryJson(whole)
    if (doc.ok) {
      if (isObject(doc.value)) return { events: [doc.value], noise: [] }
      if (Array.isArray(doc.value) && doc.value.every(isObject)) return { events: doc.value, noise: [] }
    }
  }
  return readJsonLines(stdout)
}

/**
 * Reads stdout as one JSON object per line, never as a whole document.
 * Lines that are not JSON objects go to `noise`.
 *
 * @since 0.1.0
 */
export const readJsonLines = (stdout: string): JsonStream => {
  const events: Array<JsonObject> = []
  const noise: Array<string> = []
  for (const raw of stdout.split("\n")) {
    const line = raw.trim()
    if (line === "") continue
    if (line.startsWith("{")) {
      const parsed = tryJson(line)
      if (parsed.ok && isObject(parsed.value)) {
        events.push(parsed.value)
        continue
      }
    }
    noise.push(line)
  }
  return { events, noise }
}

/**
 * The whole of a text as one JSON object (a pretty-printed `json` format),
 * or undefined.
 *
 * @since 0.1.0
 */
export const readWholeObject = (text: string): JsonObject | undefined => {
  const trimmed = text.trim()
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return undefined
  const doc = tryJson(trimmed)
  return doc.ok && isObject(doc.value) ? doc.value : undefined
}

/** A string field, or undefined. @since 0.1.0 */
export const str = (o: JsonObject | undefined, key: string): string | undefined => {
  const v = o?.[key]
  return typeof v === "string" ? v : undefined
}

/** A finite number field, or undefined. @since 0.1.0 */
export const num = (o: JsonObject | undefined, key: string): number | undefined => {
  const v = o?.[key]
  return typeof v === "number" && Number.isFinite(v) ? v : undefined
}

/** An object field, or undefined. @since 0.1.0 */
export const obj = (o: JsonObject | undefined, key: string): JsonObject | undefined => {
  const v = o?.[key]
  return isObject(v) ? v : undefined
}

/** An array field, or an empty array. @since 0.1.0 */
export const arr = (o: JsonObject | undefined, key: string): ReadonlyArray<unknown> => {
  const v = o?.[key]
  return Array.isArray(v) ? v : []
}

/** The sum of the numbers present; undefined when none is. @since 0.1.0 */
export const sumOf = (values: ReadonlyArray<number | undefined>): number | undefined =>
  values.some((v) => v !== undefined) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : undefined

/**
 * The key of a map whose entry weighs most (the first on a tie); entries
 * that are not objects are weighed as undefined.
 *
 * @since 0.1.0
 */
export const heaviestKey = (
  map: JsonObject | undefined,
  weight: (entry: JsonObject | undefined) => number
): string | undefined => {
  if (map === undefined) return undefined
  let best: string | undefined
  let bestWeight = -1
  for (const [key, value] of Object.entries(map)) {
    const w = weight(isObject(value) ? value : undefined)
    if (w > bestWeight) {
      best = key
      bestWeight = w
    }
  }
  return best
}

/**
 * Builds a `Usage` from the fields that are present; undefined when none is.
 *
 * @since 0.1.0
 */
export const usageOf = (fields: { readonly [K in keyof Usage]-?: number | undefined }): Usage | undefined => {
  const out: { -readonly [K in keyof Usage]?: number } = {}
  let any = false
  for (const key of Object.keys(fields) as Array<keyof Usage>) {
    const v = fields[key]
    if (v !== undefined) {
      out[key] = v
      any = true
    }
  }
  return any ? (out as Usage) : undefined
}

/**
 * A run as `classifyByText` reads it, from chosen words instead of the raw
 * output (so that JSON event lines, which may quote anything the model
 * said, are not searched for error words).
 *
 * @since 0.1.0
 */
export const runOfWords = (
  run: Pick<FailedRun, "exitCode" | "signal" | "command" | "model" | "cwd">,
  stderr: string,
  stdout: string
): FailedRun => ({ ...run, stderr, stdout, stdoutTruncated: false })

/**
 * Classifies an error that a run reported in its own output (an error
 * result, a failed turn). Auth, rate and model failures are recognised by
 * their words; anything else is `CliRunFailed`, with the CLI's message kept.
 *
 * @since 0.1.0
 */
export const classifyReported = (
  cli: Cli,
  words: string,
  context: { readonly exitCode: number | null; readonly model: string | undefined }
): CliFailure => {
  const failure = classifyByText(
    cli,
    runOfWords({ exitCode: context.exitCode, signal: null, command: cli, model: context.model, cwd: "" }, words, ""),
    words
  )
  if (failure._tag !== "CliExitedNonZero") return failure
  return new CliRunFailed({
    message: `${cli} reported that the run failed${words ? `: ${words}` : ""}`,
    cli,
    hint: "Read the CLI's message; retry, or change the request.",
    cliMessage: words,
    exitCode: context.exitCode
  })
}

/**
 * Classifies a failed run by chosen words (error messages found in the
 * output, stderr, non-JSON lines), keeping the real output tails when
 * nothing specific is found.
 *
 * @since 0.1.0
 */
export const classifyFailedRun = (cli: Cli, run: FailedRun, haystack: string, words: string): CliFailure => {
  const failure = classifyByText(cli, runOfWords(run, haystack, ""), words)
  return failure._tag === "CliExitedNonZero" ? withRunTails(failure, run) : failure
}

/**
 * The parts of stdout that can tell what went wrong: lines that are not
 * typed JSON events (start-up noise, plain-text errors) and the given error
 * messages. The model's and the user's own text is left out, so a prompt
 * that talks about quotas or keys is not taken for a failure.
 *
 * @since 0.1.0
 */
const diagnosticText = (stdout: string, messages: ReadonlyArray<string>): string => {
  if (readWholeObject(stdout) !== undefined) return messages.join("\n")
  const noise = tail(stdout)
    .split("\n")
    .filter((l) => {
      const t = l.trim()
      if (t === "") return false
      if (!t.startsWith("{")) return true
      const v = tryJson(t)
      return !(v.ok && isObject(v.value) && typeof v.value["type"] === "string")
    })
  return [...noise, ...messages].join("\n")
}

/**
 * What a run's output tells of its failure: the diagnostic text (see
 * `diagnosticText`; the whole stdout when `plain`, for output that is not
 * JSON at all), and the words for messages: the last error message the CLI
 * reported, or else the most telling line of stderr and the diagnostic text.
 *
 * @since 0.1.0
 */
export const diagnose = (
  run: Pick<FailedRun, "stderr" | "stdout">,
  messages: ReadonlyArray<string>,
  plain: boolean = false
): { readonly diagnostic: string; readonly words: string } => {
  const diagnostic = plain ? run.stdout : diagnosticText(run.stdout, messages)
  const words = (messages[messages.length - 1] ?? cliWords({ stderr: run.stderr, stdout: diagnostic })).slice(0, 2000)
  return { diagnostic, words }
}

/**
 * The shared text rules, on the reported error messages first, then on
 * stderr and the diagnostic stdout; a generic failure keeps the real
 * output tails.
 *
 * @since 0.1.0
 */
export const classifyByMessages = (
  cli: Cli,
  run: FailedRun,
  messages: ReadonlyArray<string>,
  diagnostic: string,
  words: string
): CliFailure => {
  if (messages.length > 0) {
    const specific = classifyByText(cli, { ...run, stdout: messages.join("\n") }, words)
    if (specific._tag !== "CliExitedNonZero") return specific
  }
  const byText = classifyByText(cli, { ...run, stdout: diagnostic }, words)
  return byText._tag === "CliExitedNonZero" ? withRunTails(byText, run) : byText
}

/**
 * A failure reported inside the output of a run that exited 0: the
 * adapter's own classification when it finds something specific, else
 * `CliRunFailed` with the words of the error messages the output reported
 * (see `diagnose`).
 *
 * @since 0.1.0
 */
export const failureInOutput = (
  cli: Cli,
  invocation: Invocation,
  output: RawOutput,
  classify: (run: FailedRun) => CliFailure,
  messages: ReadonlyArray<string>
): CliFailure => {
  const failure = classify({
    ...output,
    exitCode: 0,
    signal: null,
    command: [cli, ...invocation.args].join(" "),
    model: invocation.model,
    cwd: ""
  })
  if (failure._tag !== "CliExitedNonZero") return failure
  const cliMessage = diagnose(output, messages).words
  return new CliRunFailed({
    cli,
    cliMessage,
    exitCode: 0,
    message: `${cli} reported a failed run: ${cliMessage}`,
    hint: "Read the CLI's message; retry, or change the request."
  })
}

/**
 * The most telling line of some text (the first that names an error, or
 * the last), bounded to 2,000 characters.
 *
 * @since 0.1.0
 */
export const tellingLine = (text: string): string => {
  const lines = tail(text)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
  const telling = lines.find((l) => /error|denied|refused|limit|invalid|not found|unauthori/i.test(l))
  return (telling ?? lines[lines.length - 1] ?? "").slice(0, 2000)
}
