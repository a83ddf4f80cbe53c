/**
 * Reading qwen's output. Its `stream-json` messages are Claude-Code-shaped
 * (`system/init`, `assistant`, `stream_event`, `result`), so the events are
 * read with claude's reader; what differs is read here: an error result
 * carries its words in `error.message`, `result.usage` counts cached tokens
 * inside `input_tokens` and has a `total_tokens`, and stderr carries noise
 * (the ripgrep warning on every run, yargs' help after a usage error) and,
 * in the `json` format, a pretty-printed `{"error":{…}}` object. Pure.
 *
 * @since 0.1.0
 */
import type { Usage } from "../../domain/Usage.js"
import { type JsonObject, num, obj, readWholeObject, str, usageOf } from "../../providers/jsonl.js"
import { resultWords } from "../claude/stream.js"

export { type ClaudeStream as QwenStream, cutShort, isErrorResult, read } from "../claude/stream.js"

/** What an error result says: `error.message`, else its `result` text, else its subtype. @since 0.1.0 */
export const errorWords = (result: JsonObject): string => {
  const message = str(obj(result, "error"), "message")
  return message !== undefined && message.trim() !== "" ? message.trim().slice(0, 2000) : resultWords(result)
}

/**
 * The run's usage: `input_tokens` includes the cached tokens (OpenAI's way,
 * not Claude's), summed over every API call of the run.
 *
 * @since 0.1.0
 */
export const usageOfResult = (result: JsonObject | undefined): Usage | undefined => {
  const u = obj(result, "usage")
  if (u === undefined) return undefined
  return usageOf({
    inputTokens: num(u, "input_tokens"),
    outputTokens: num(u, "output_tokens"),
    cachedInputTokens: num(u, "cache_read_input_tokens"),
    cacheCreationInputTokens: undefined,
    reasoningTokens: undefined,
    totalTokens: num(u, "total_tokens")
  })
}

// Lines qwen prints on runs that go well: the npm package ships ripgrep
// without its execute bit; yolo without a sandbox; MCP servers that did not
// start (the run goes on); a retry's aftermath; the untrusted-folder downgrade.
const NOISE = [
  /^Ripgrep not available: /,
  /^Warning: running headless with --yolo/,
  /^Warning: MCP server\(s\) failed to start/,
  /^Retrying provider attempt/,
  /^Approval mode overridden to /
]
const ANSI = /\u001b\[[0-9;]*m/g

/**
 * stderr without its noise, colour codes, and the help yargs prints after a
 * usage error (which names every option and would match any rule).
 *
 * @since 0.1.0
 */
export const cleanStderr = (stderr: string): string => {
  const lines = stderr.replace(ANSI, "").split("\n")
  const help = lines.findIndex((l) => l.startsWith("Usage: qwen "))
  return (help >= 0 ? lines.slice(0, help) : lines)
    .filter((l) => !NOISE.some((re) => re.test(l.trim())))
    .join("\n")
    .trim()
}

/** The error object the `json` format prints on stderr. @since 0.1.0 */
export interface FatalReport {
  readonly message: string
  readonly type: string | undefined
  readonly code: number | undefined
}

/**
 * The pretty-printed `{"error":{"type","message","code"}}` at the end of
 * (cleaned) stderr, when there is one.
 *
 * @since 0.1.0
 */
export const fatalReport = (stderr: string): FatalReport | undefined => {
  const start = stderr.search(/^\{\s*$/m)
  if (start < 0) return undefined
  const error = obj(readWholeObject(stderr.slice(start)), "error")
  const message = str(error, "message")
  return message === undefined || message.trim() === ""
    ? undefined
    : { message: message.trim().slice(0, 2000), type: str(error, "type"), code: num(error, "code") }
}
