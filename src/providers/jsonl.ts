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
import { CliExitedNonZero, type CliFailure, CliRunFailed } from "../domain/errors.js"
import type { Usage } from "../domain/Usage.js"
import { classifyByText, tail } from "./classify.js"
import type { FailedRun } from "./Provider.js"

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
  if (whole.startsWith("{") || whole.startsWith("[")) {
    const doc = tryJson(whole)
    if (doc.ok) {
      if (isObject(doc.value)) return { events: [doc.value], noise: [] }
      if (Array.isArray(doc.value) && doc.value.every(isObject)) return { events: doc.value, noise: [] }
    }
  }
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
  if (failure._tag !== "CliExitedNonZero") return failure
  const end = run.signal !== null ? `was ended by ${run.signal}` : `exited with code ${run.exitCode}`
  return new CliExitedNonZero({
    message: `${cli} ${end}${words ? `: ${words}` : ""}`,
    command: run.command,
    cli,
    exitCode: run.exitCode,
    signal: run.signal,
    stderrTail: tail(run.stderr),
    stdoutTail: tail(run.stdout)
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
