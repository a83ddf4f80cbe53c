/**
 * The store of Streamable HTTP sessions and their streams, as a service:
 * what it records (a session, an SSE stream of one of its calls, an event
 * sent on it) and what it does (`HttpStreamsShape`), under the
 * `HttpStreams` tag. Its implementation on the gateway's database is in
 * `http/eventStore`, which re-exports all of this.
 *
 * @since 0.1.0
 */
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { StorageError } from "../domain/errors.js"

/**
 * A session as recorded.
 *
 * @since 0.1.0
 */
export interface SessionRecord {
  readonly id: string
  /** `principalId` of the caller that opened it; only it is answered on it. */
  readonly principal: string
  /** The protocol version negotiated at `initialize` (null until answered). */
  readonly protocolVersion: string | null
  /** The params of the client's `initialize`, to initialize a restored session the same way. */
  readonly initialize: unknown
  readonly createdAt: number
  readonly lastSeenAt: number
}

/**
 * One SSE stream of a session (the answer stream of a POST, or the GET
 * stream `_GET_stream`).
 *
 * @since 0.1.0
 */
export interface StreamRecord {
  readonly sessionId: string
  readonly streamId: string
  /** The JSON-RPC requests it answers, as the client named them. */
  readonly requestIds: ReadonlyArray<RequestId>
  /** What the call recorded of its job (see `mcp/callLink`), if it has one. */
  readonly call: unknown
  /** True once the answer is stored among its events. */
  readonly answered: boolean
  readonly createdAt: number
}

/**
 * An event as stored: its id (as the client sees it) and its message.
 *
 * @since 0.1.0
 */
export interface StoredEvent {
  readonly id: string
  readonly message: JSONRPCMessage
}

/**
 * @since 0.1.0
 */
export interface HttpStreamsShape {
  /** Records a session opened by `initialize`. */
  readonly openSession: (session: {
    readonly id: string
    readonly principal: string
    readonly initialize: unknown
    readonly createdAt: number
  }) => Effect.Effect<void, StorageError>
  readonly setProtocolVersion: (id: string, version: string) => Effect.Effect<void, StorageError>
  /** The session, if this principal opened it: another's answers exactly as an unknown one. */
  readonly findSession: (id: string, principal: string) => Effect.Effect<Option.Option<SessionRecord>, StorageError>
  readonly touch: (id: string, at: number) => Effect.Effect<void, StorageError>
  /** Ends a session (DELETE): its streams and events go with it. */
  readonly endSession: (id: string) => Effect.Effect<void, StorageError>
  /** Ends a session unless it was seen at or after `seenBefore` (by another instance, say); true when ended. */
  readonly expireSession: (id: string, seenBefore: number) => Effect.Effect<boolean, StorageError>
  /** Records what a call recorded of its job on the stream answering `requestId`. */
  readonly linkCall: (sessionId: string, requestId: RequestId, call: unknown) => Effect.Effect<void, StorageError>
  /**
   * Stores an event of a stream (the stream is recorded with `requestIds`
   * when new) and answers its id. A second answer on one stream (two
   * instances answering one call) is not stored: the first one's id is
   * answered.
   */
  readonly append: (
    sessionId: string,
    streamId: string,
    message: JSONRPCMessage | Record<string, never>,
    requestIds: ReadonlyArray<RequestId>,
    at: number
  ) => Effect.Effect<string, StorageError>
  /** The stream of an event of this session. */
  readonly streamOfEvent: (sessionId: string, eventId: string) => Effect.Effect<Option.Option<StreamRecord>, StorageError>
  /** The events of the same stream after this one, in order (priming events left out). */
  readonly eventsAfter: (sessionId: string, eventId: string) => Effect.Effect<ReadonlyArray<StoredEvent>, StorageError>
  /** Removes the sessions not seen since `before` (with their streams and events) and every event older. */
  readonly purge: (before: number) => Effect.Effect<{ readonly sessions: number; readonly events: number }, StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class HttpStreams extends Context.Tag("llm-cli-gateway/HttpStreams")<HttpStreams, HttpStreamsShape>() {}

/** The id of the standalone GET stream, as the SDK names it. @since 0.1.0 */
export const STANDALONE_STREAM = "_GET_stream"
