/**
 * What a call knows of the request it answers, and where it records the
 * job it started or joined.
 *
 * `CurrentRequestId` is the JSON-RPC id of the request a tool call answers,
 * as the client sent it (the server core provides it to each call).
 * `CallLink` is where a job-backed call records its job: nowhere by default
 * (stdio, tests); a Streamable HTTP session keeps it beside the call's
 * stream, so that a client that comes back with `Last-Event-ID` after the
 * server restarted (or on another instance) is answered from the job.
 *
 * @since 0.1.0
 */
import type { RequestId } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/**
 * @since 0.1.0
 * @category tags
 */
export class CurrentRequestId extends Context.Reference<CurrentRequestId>()("llm-cli-gateway/CurrentRequestId", {
  defaultValue: (): RequestId | undefined => undefined
}) {}

/**
 * @since 0.1.0
 */
export interface CallLinkShape {
  /** Keeps `call` (a JSON value that says how to answer from the job) for the request `requestId`. */
  readonly record: (requestId: RequestId, call: unknown) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CallLink extends Context.Reference<CallLink>()("llm-cli-gateway/CallLink", {
  defaultValue: (): CallLinkShape => ({ record: () => Effect.void })
}) {}

/**
 * Records `call` for the request being answered, if there is one and
 * someone keeps it. Never fails: a link not kept only makes a lost answer
 * unrecoverable.
 *
 * @since 0.1.0
 */
export const recordCall = (call: unknown): Effect.Effect<void> =>
  Effect.flatMap(CurrentRequestId, (requestId) =>
    requestId === undefined ? Effect.void : Effect.flatMap(CallLink, (link) => link.record(requestId, call)))
