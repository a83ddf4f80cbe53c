/**
 * What the Streamable HTTP server is given (`HttpServer.make`): where to
 * listen and the bounds it keeps, how one session is served, and what
 * makes sessions durable and their streams resumable. Re-exported by
 * `http/HttpServer`.
 *
 * @since 0.1.0
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { HttpStreamsShape } from "./HttpStreams.js"
import type { SessionInfo } from "./HttpSession.js"
import type { AnswerFromJob } from "./resume.js"

/**
 * Where to listen and the bounds kept.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The host to bind (IPv6 without brackets); loopback unless told otherwise. */
  readonly host: string
  /** The port; 0 for any free one (the address answered by `make` says which). */
  readonly port: number
  /** Origins a browser request may come from (see `origins.ts`); `["*"]` for any. */
  readonly allowedOrigins: ReadonlyArray<string>
  /** The largest request body read, in bytes; a bigger one answers 413. */
  readonly maxBodyBytes: number
  /** Sessions open at once, at most; one more answers 503. */
  readonly maxSessions: number
  /** A session with no exchange open for this long (ms) is closed. */
  readonly sessionIdleMs: number
  /**
   * The URL clients reach the endpoint at (`LLM_GATEWAY_HTTP_PUBLIC_URL`,
   * behind a proxy): its host is accepted as this server's, and its origin
   * is allowed.
   */
  readonly publicUrl?: string | undefined
}

/**
 * Serves one session: the server core on the session's transport, until
 * the transport closes or the scope does.
 *
 * @since 0.1.0
 */
export type ServeSession<R> = (transport: Transport, session: SessionInfo) => Effect.Effect<void, never, Scope.Scope | R>

/**
 * What makes sessions durable and their streams resumable: the store, how
 * a call's answer is made from its job, and how long events (and sessions
 * not seen) are kept.
 *
 * @since 0.1.0
 */
export interface Durable<R> {
  readonly streams: HttpStreamsShape
  readonly answerFromJob: AnswerFromJob<R>
  /** Events older than this (ms), and sessions not seen for this long, are removed. */
  readonly retentionMs: number
}
