/**
 * The lines the stdio transport refuses, as tagged errors: each is
 * answered on stdout (with the JSON-RPC error its comment says) and reported
 * through the transport's `onerror` (and its `onLineError` option).
 *
 * @since 0.1.0
 */
import type { RequestId } from "@modelcontextprotocol/sdk/types.js"
import * as Data from "effect/Data"

/**
 * A line longer than the bound, skipped; answered with Invalid Request
 * (`id` when its first or last bytes name it, else null; a response is not
 * answered).
 *
 * @since 0.1.0
 * @category errors
 */
export class LineTooLong extends Data.TaggedError("LineTooLong")<{
  readonly message: string
  readonly lineBytes: number
  readonly maxLineBytes: number
  readonly id: RequestId | null
}> {}

/**
 * A line that is not JSON; answered with Parse error, id null.
 *
 * @since 0.1.0
 * @category errors
 */
export class LineNotJson extends Data.TaggedError("LineNotJson")<{
  readonly message: string
  readonly cause: unknown
}> {}

/**
 * A line of JSON that is not a JSON-RPC message; answered with Invalid
 * Request (its `id` when it has one; a response is not answered).
 *
 * @since 0.1.0
 * @category errors
 */
export class LineNotJsonRpc extends Data.TaggedError("LineNotJsonRpc")<{
  readonly message: string
  readonly id: RequestId | null
  readonly cause: unknown
}> {}

/**
 * What `onerror` receives for a line that is refused.
 *
 * @since 0.1.0
 * @category errors
 */
export type LineError = LineTooLong | LineNotJson | LineNotJsonRpc
