/**
 * What a flight-recorder row's columns are: a request's start and its end
 * as the values written to `flight_recorder`. Prompts, replies and error
 * messages are redacted (`redact.ts`) and clipped first; with
 * `LLM_GATEWAY_RECORD_CONTENT=false` only the sizes of prompts and replies
 * are kept.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import type { GatewayConfigShape } from "../Config.js"
import type { RequestEnd, RequestStart } from "./flightRecord.js"
import { redact } from "./redact.js"
import { processSecretValues } from "./secretValues.js"

/**
 * What of the configuration the columns depend on: whether content is
 * recorded, and how much of it.
 *
 * @since 0.1.0
 */
export type ContentConfig = Pick<GatewayConfigShape, "recordContent" | "recordMaxChars">

/** Characters of an error message kept. */
const ERROR_MAX_CHARS = 4096
/**
 * Extra characters redacted past the clip, so a secret cut by the clip is
 * still recognised (the environment's longest secret value included: a PEM key).
 *
 * @since 0.1.0
 */
export const redactMargin = (): number => Math.max(4096, processSecretValues().longest)

/**
 * The text as the recorder stores it: redacted, then clipped to `max`.
 *
 * @since 0.1.0
 */
export const recordable = (text: string, max: number): { readonly text: string; readonly truncated: boolean } => {
  const margin = redactMargin()
  const clean = redact(text.length > max + margin ? text.slice(0, max + margin) : text)
  return clean.length > max ? { text: clean.slice(0, max), truncated: true } : { text: clean, truncated: false }
}

const content = (config: ContentConfig, text: string | null) => {
  if (text === null || !config.recordContent) return { text: null, truncated: false }
  return recordable(text, config.recordMaxChars)
}

/**
 * An error message as the recorder stores it: redacted, then clipped.
 *
 * @since 0.1.0
 */
export const errorText = (message: string | null): string | null =>
  message === null ? null : recordable(message, ERROR_MAX_CHARS).text

/**
 * The columns of a request's row as it is inserted (a new id, status
 * `started`); `principal` is the current one, used when the start names none.
 *
 * @since 0.1.0
 */
export const startColumns = (config: ContentConfig, start: RequestStart, principal: string) => {
  const prompt = content(config, start.prompt)
  return {
    id: randomUUID(),
    correlation_id: start.correlationId,
    principal: start.principal ?? principal,
    job_id: start.jobId,
    instance_id: start.instanceId,
    cli: start.cli,
    tool: start.tool,
    model: start.model,
    request_session_id: start.sessionId,
    deduped: start.deduped ? 1 : 0,
    approval_strategy: start.approval?.strategy ?? null,
    approval_status: start.approval?.status ?? null,
    approval_policy: start.approval?.policy ?? null,
    approval_id: start.approval?.approvalId ?? null,
    status: "started",
    started_at: start.startedAt,
    prompt: prompt.text,
    prompt_chars: start.prompt.length,
    content_recorded: config.recordContent ? 1 : 0,
    content_truncated: prompt.truncated ? 1 : 0
  }
}

/**
 * The values a request's end writes to its row.
 *
 * @since 0.1.0
 */
export const endColumns = (config: ContentConfig, end: RequestEnd) => {
  const reply = content(config, end.reply)
  return {
    status: end.status,
    finishedAt: end.finishedAt,
    exitCode: end.exitCode,
    errorTag: end.errorTag,
    errorMessage: errorText(end.errorMessage),
    reply: reply.text,
    replyChars: end.replyChars ?? (end.reply !== null ? end.reply.length : null),
    truncated: reply.truncated ? 1 : 0,
    model: end.model,
    sessionId: end.sessionId,
    inputTokens: end.usage?.inputTokens ?? null,
    outputTokens: end.usage?.outputTokens ?? null,
    usage: end.usage === null ? null : JSON.stringify(end.usage),
    costUsd: end.costUsd,
    circuitState: end.circuitState ?? null
  }
}
