/**
 * A transport wrapper that gives every request the client sends an id of
 * its own, so that an id the client reuses can never reach the wrong run.
 *
 * The SDK's `Protocol` keys each running handler's `AbortController` by the
 * request id, registers a request at once when it arrives, but acts on
 * `notifications/cancelled` one microtask later. A client that cancels
 * request 7 and at once sends a new request 7 (both read in one chunk of
 * stdin) has its cancel applied to the new request: the old run goes on, the
 * new one is aborted unanswered, and the old run's answer then goes out as
 * the answer to the new 7.
 *
 * Here each incoming request is handed to the server under a fresh internal
 * id, and a cancel is resolved to the internal id of the request that held
 * the client's id when the cancel arrived, before any later message is
 * read. Answers go out under the client's id again. A cancel of an id that
 * no running request holds is dropped, and so is an answer to a request
 * the client cancelled (the client ignores those, as MCP says).
 *
 * @since 0.1.0
 */
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js"
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from "@modelcontextprotocol/sdk/types.js"
import { isAnswer, isNotification, isRequest } from "./messageKinds.js"

/**
 * The client's ids of the requests running now, both ways.
 *
 * @since 0.1.0
 */
export interface RequestIdMap {
  /** Running requests by the internal id the server knows them by. */
  readonly external: ReadonlyMap<number, RequestId>
  /** The internal id of the request that holds each client id now. */
  readonly internal: ReadonlyMap<RequestId, number>
}

/**
 * Wraps `transport` so that the server above it sees each request under an
 * id no other request has had on this connection. The wrapper owns the
 * transport's callbacks; give the server the wrapper, never both.
 *
 * @since 0.1.0
 */
export const uniqueRequestIds = (transport: Transport): Transport & { readonly requestIds: RequestIdMap } => {
  let last = 0
  /** internal → the client's id, while the request runs and the client still waits for it. */
  const external = new Map<number, RequestId>()
  /** the client's id → the internal id of the request that holds it now. */
  const internal = new Map<RequestId, number>()

  /** Forgets a request: answered, or cancelled by the client. */
  const settle = (id: number): RequestId | undefined => {
    const client = external.get(id)
    if (client === undefined) return undefined
    external.delete(id)
    if (internal.get(client) === id) internal.delete(client)
    return client
  }

  /** True for an id this wrapper handed out (every request id the server has seen). */
  const handedOut = (id: RequestId | undefined): id is number =>
    typeof id === "number" && Number.isSafeInteger(id) && id >= 1 && id <= last

  const incoming = (message: JSONRPCMessage): JSONRPCMessage | undefined => {
    if (isRequest(message)) {
      const id = ++last
      external.set(id, message.id)
      internal.set(message.id, id)
      return { ...message, id }
    }
    if (isNotification(message) && message.method === "notifications/cancelled") {
      const requestId = (message.params as { readonly requestId?: RequestId } | undefined)?.requestId
      const id = requestId === undefined ? undefined : internal.get(requestId)
      // Nothing running holds the id: there is nothing to cancel, and the id means nothing to the server.
      if (id === undefined) return undefined
      settle(id)
      return { ...message, params: { ...message.params, requestId: id } } as JSONRPCMessage
    }
    return message
  }

  const wrapper: Transport & { readonly requestIds: RequestIdMap } = {
    requestIds: { external, internal },
    start: () => {
      transport.onmessage = (message, extra?: MessageExtraInfo) => {
        const passed = incoming(message)
        if (passed !== undefined) wrapper.onmessage?.(passed, extra)
      }
      transport.onerror = (error) => wrapper.onerror?.(error)
      transport.onclose = () => {
        external.clear()
        internal.clear()
        wrapper.onclose?.()
      }
      return transport.start()
    },
    send: (message: JSONRPCMessage, options?: TransportSendOptions) => {
      // The request a message goes with (for a transport that routes by it), named as the client named it.
      let sendOptions = options
      const related = options?.relatedRequestId
      if (handedOut(related)) {
        const { relatedRequestId: _, ...rest } = options!
        const client = external.get(related)
        sendOptions = client === undefined ? rest : { ...rest, relatedRequestId: client }
      }
      let out = message
      if (isAnswer(message) && handedOut(message.id)) {
        const client = settle(message.id)
        // Answered after the client cancelled it: the client no longer waits for it.
        if (client === undefined) return Promise.resolve()
        out = { ...message, id: client }
      }
      return transport.send(out, sendOptions)
    },
    close: () => transport.close(),
    get sessionId() {
      return transport.sessionId
    },
    setProtocolVersion: (version: string) => transport.setProtocolVersion?.(version)
  }
  return wrapper
}
