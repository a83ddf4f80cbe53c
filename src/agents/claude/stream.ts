/**
 * Reading claude's `stream-json` output: its events, the session id and
 * model, the text of the last assistant message (or of a partially streamed
 * one), and the result event with its usage and cost. Pure; used by the
 * claude adapter (`Claude.ts`).
 *
 * @since 0.1.0
 */
import type { Cli } from "../../domain/Cli.js"
import { CliRunFailed } from "../../domain/errors.js"
import type { Usage } from "../../domain/Usage.js"
import { arr, type JsonObject, num, obj, readJsonStream, str, usageOf } from "../../providers/jsonl.js"
import type { RawOutput } from "../../providers/Provider.js"

export interface ClaudeStream {
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

export const textBlocks = (message: JsonObject | undefined): ReadonlyArray<string> =>
  arr(message, "content").flatMap((block) => {
    if (typeof block !== "object" || block === null) return []
    const b = block as JsonObject
    return str(b, "type") === "text" && typeof b["text"] === "string" ? [b["text"]] : []
  })

export const read = (output: Pick<RawOutput, "stdout" | "events">): ClaudeStream => {
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

export const usageOfResult = (result: JsonObject | undefined): Usage | undefined => {
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

export const costOfResult = (result: JsonObject | undefined): number | undefined =>
  num(result, "total_cost_usd") ?? num(result, "cost_usd")

export const isErrorResult = (result: JsonObject): boolean =>
  result["is_error"] === true || (str(result, "subtype") ?? "").startsWith("error")

/** What an error result says: its `result` text, its `errors`, or its subtype. */
export const resultWords = (result: JsonObject): string => {
  const text = str(result, "result")
  if (text !== undefined && text.trim() !== "") return text.trim().slice(0, 2000)
  const errors = arr(result, "errors").filter((e): e is string => typeof e === "string")
  if (errors.length > 0) return errors.join("; ").slice(0, 2000)
  return str(result, "subtype") ?? "error"
}

/**
 * A Claude-shaped stream (claude's, qwen's) that stops in the middle of an
 * event, with no result and no text before it, is a run cut short, not a
 * reply, even when the CLI exited 0.
 */
export const cutShort = (cli: Cli, stream: ClaudeStream): CliRunFailed | undefined => {
  if (stream.result !== undefined || stream.assistantText !== undefined || stream.partialText !== undefined) return undefined
  const last = stream.noise[stream.noise.length - 1]
  if (last === undefined || !last.startsWith("{")) return undefined
  return new CliRunFailed({
    message: `${cli}'s output stopped in the middle of an event, with no result: the run was cut short`,
    cli,
    hint: `Run the request again; the job's raw output (llm_job_result) shows what ${cli} printed.`,
    cliMessage: last.slice(0, 500),
    exitCode: 0
  })
}
