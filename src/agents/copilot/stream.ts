/**
 * Reading copilot's `--output-format json` output: its session events (the
 * reply, the model, `session.error`s, retries, an abort) and the final
 * `result` line with the session id. Pure; used by the copilot adapter.
 *
 * @since 0.1.0
 */
import { type JsonObject, num, obj, readJsonLines, str } from "../../providers/jsonl.js"
import type { RawOutput } from "../../providers/Provider.js"

/** A `session.error` event. */
export interface SessionError {
  readonly errorType: string | undefined
  readonly message: string
  readonly statusCode: number | undefined
}

/** What a run's output holds. */
export interface CopilotStream {
  readonly noise: ReadonlyArray<string>
  readonly eventCount: number
  /** The content of the last top-level assistant message that had any. */
  readonly reply: string | undefined
  /** The deltas of a top-level message streamed after it, never completed (output cut short). */
  readonly partial: string | undefined
  readonly model: string | undefined
  readonly result: JsonObject | undefined
  /** `session.error` events, in order. */
  readonly errors: ReadonlyArray<SessionError>
  /** The last transport failure of a model call (no HTTP answer). */
  readonly transport: string | undefined
  /** Whether copilot retried a model call by itself (`assistant.turn_retry`). */
  readonly retried: boolean
  /** Whether the turn was aborted (SIGTERM or SIGINT). */
  readonly aborted: boolean
}

/** Events of sub-agents carry `agentId` (or `parentToolCallId`): not the reply. */
const isSubAgent = (event: JsonObject, data: JsonObject | undefined): boolean =>
  str(event, "agentId") !== undefined || str(data, "agentId") !== undefined || str(data, "parentToolCallId") !== undefined

/** A value without the quotes copilot leaves around some error messages. */
export const unquote = (s: string): string => s.replace(/^"(.*)"$/s, "$1")

/** Reads the events (as the runner collected them, or from stdout); unknown events are skipped. */
export const read = (output: Pick<RawOutput, "stdout" | "events">): CopilotStream => {
  const { events, noise } = output.events ?? readJsonLines(output.stdout)
  let reply: string | undefined
  let partial: { id: string | undefined; text: string } | undefined
  let model: string | undefined
  let fallbackModel: string | undefined
  let result: JsonObject | undefined
  let transport: string | undefined
  let retried = false
  let aborted = false
  const errors: Array<SessionError> = []
  for (const event of events) {
    const data = obj(event, "data")
    switch (str(event, "type")) {
      case "assistant.message":
        if (isSubAgent(event, data)) break
        model = str(data, "model") ?? model
        partial = undefined
        if ((str(data, "content") ?? "") !== "") reply = str(data, "content")
        break
      case "assistant.message_delta": {
        if (isSubAgent(event, data)) break
        const id = str(data, "messageId")
        if (partial === undefined || partial.id !== id) partial = { id, text: "" }
        partial.text += str(data, "deltaContent") ?? ""
        break
      }
      case "session.tools_updated":
      case "model.call_start":
        fallbackModel = str(data, "model") ?? fallbackModel
        break
      case "model.call_failure":
        if (str(data, "failureKind") === "transport") transport = unquote(str(data, "errorMessage") ?? "transport error")
        break
      case "assistant.turn_retry":
        retried = true
        break
      case "abort":
        aborted = true
        break
      case "session.error":
        errors.push({
          errorType: str(data, "errorType"),
          message: (str(data, "message") ?? str(data, "errorType") ?? "copilot reported an error").trim(),
          statusCode: num(data, "statusCode")
        })
        break
      case "result":
        result = event
        break
      default:
        break
    }
  }
  return {
    noise,
    eventCount: events.length,
    reply,
    partial: partial?.text === "" ? undefined : partial?.text,
    model: model ?? fallbackModel,
    result,
    errors,
    transport,
    retried,
    aborted
  }
}
