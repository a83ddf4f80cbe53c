/**
 * How answers and typed failures become MCP `CallToolResult`s.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Schema from "effect/Schema"
import { GatewayError } from "../domain/errors.js"
import { redact } from "../observability/redact.js"
import { redactError } from "../observability/redactError.js"
import type { JsonObject } from "./jsonSchema.js"
import type { ToolAnswer } from "./Tool.js"

/**
 * The MCP result shape the gateway sends.
 *
 * @since 0.1.0
 */
export interface CallToolResult {
  readonly [key: string]: unknown
  readonly content: ReadonlyArray<{ readonly type: "text"; readonly text: string }>
  readonly structuredContent?: JsonObject
  readonly isError?: boolean
}

/**
 * The `structuredContent` of every failed call: the error's tag, message and
 * fields. Every tool's `outputSchema` admits it beside the tool's own answer
 * (as `jsonSchema.errorJsonSchema`, the same small object in each): the
 * SDK's `Client.callTool` (1.x) validates `structuredContent` against the
 * `outputSchema` even when `isError` is true
 * (modelcontextprotocol/typescript-sdk#1943).
 *
 * @since 0.1.0
 */
export const ErrorResult = Schema.Struct({
  error: Schema.Struct(
    {
      _tag: Schema.String.annotations({ description: "The error's type: InvalidRequest, CliAuthRequired, JobNotFound, …" }),
      message: Schema.String
    },
    Schema.Record({ key: Schema.String, value: Schema.Unknown })
  ).annotations({ description: "A failed call (isError: true): the error's tag, message and fields." })
})

/** @since 0.1.0 */
export const success = (answer: ToolAnswer): CallToolResult => ({
  content: [{ type: "text", text: answer.text }],
  structuredContent: answer.structured
})

const encodeError = Schema.encodeSync(GatewayError)

/**
 * A typed failure: `isError`, a readable message, and the error's tag and
 * fields in `structuredContent.error`.
 *
 * @since 0.1.0
 */
export const failure = (raw: GatewayError): CallToolResult => {
  // Whatever service raised it, a failure leaves without the values of the environment's secrets.
  const error = redactError(raw)
  const fields = encodeError(error) as unknown as JsonObject
  const hint = "hint" in error && typeof error.hint === "string" ? `\nWhat to do: ${error.hint}` : ""
  return {
    isError: true,
    content: [{ type: "text", text: `${error._tag}: ${error.message}${hint}` }],
    structuredContent: { error: fields }
  }
}

/**
 * A defect (a bug of ours): a short message for the client, never a stack.
 *
 * @since 0.1.0
 */
export const defect = (cause: Cause.Cause<unknown>): CallToolResult => {
  const message = Cause.isInterruptedOnly(cause)
    ? "the request was canceled"
    : `internal error: ${redact(String(Cause.squash(cause) instanceof Error ? (Cause.squash(cause) as Error).message : Cause.squash(cause)))}`
  const tag = Cause.isInterruptedOnly(cause) ? "Canceled" : "InternalError"
  return {
    isError: true,
    content: [{ type: "text", text: `${tag}: ${message}` }],
    structuredContent: { error: { _tag: tag, message } }
  }
}
