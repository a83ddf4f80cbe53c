/**
 * Which kind a JSON-RPC message is, told by its members. A transport hands
 * on messages it has already checked against the JSON-RPC schema, so these
 * look at the members only (the SDK's `isJSONRPC…` guards parse the whole
 * message again, on every message).
 *
 * @since 0.1.0
 */
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, RequestId } from "@modelcontextprotocol/sdk/types.js"

/**
 * A request: a method and an id.
 *
 * @since 0.1.0
 */
export const isRequest = (m: JSONRPCMessage): m is JSONRPCRequest => "method" in m && "id" in m && m.id !== undefined

/**
 * A notification: a method and no id.
 *
 * @since 0.1.0
 */
export const isNotification = (m: JSONRPCMessage): m is JSONRPCNotification => "method" in m && !("id" in m)

/**
 * An answer: an id, and a result or an error.
 *
 * @since 0.1.0
 */
export const isAnswer = (m: JSONRPCMessage): m is JSONRPCMessage & { readonly id: RequestId } =>
  !("method" in m) && "id" in m && m.id !== undefined && ("result" in m || "error" in m)
