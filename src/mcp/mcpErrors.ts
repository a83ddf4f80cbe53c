/**
 * How the handlers of MCP requests other than `tools/call` answer a typed
 * failure: as a JSON-RPC error (McpError), and how they run their Effect.
 *
 * @since 0.1.0
 */
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { GatewayError } from "../domain/errors.js"

/**
 * Runs an Effect for one MCP request: its failure rejects with the
 * McpError, and the request's abort interrupts it.
 *
 * @since 0.1.0
 */
export type RunRequest<R> = <A>(effect: Effect.Effect<A, McpError, R>, signal: AbortSignal) => Promise<A>

const encodeError = Schema.encodeSync(GatewayError)

/**
 * A typed failure as a JSON-RPC error: a request the client got wrong
 * (`InvalidRequest`) is InvalidParams, an unknown job `notFound`
 * (InvalidParams unless told), anything else InternalError. The message
 * starts with the error's tag; `data.error` carries its tag and fields.
 *
 * @since 0.1.0
 */
export const toMcpError = (error: GatewayError, notFound: number = ErrorCode.InvalidParams): McpError => {
  const code = error._tag === "JobNotFound"
    ? notFound
    : error._tag === "InvalidRequest"
    ? ErrorCode.InvalidParams
    : ErrorCode.InternalError
  return new McpError(code, `${error._tag}: ${error.message}`, { error: encodeError(error) })
}
