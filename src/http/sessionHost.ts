/**
 * The MCP sessions a Streamable HTTP server holds, each one's server core
 * (`ServeSession`) on a fiber of its own in a scope of its own: opened by
 * an `initialize`, or served again when this process does not hold a
 * session the database knows (after a restart, or opened on another
 * instance); handed each HTTP exchange of theirs, and a GET with
 * `Last-Event-ID` (a resumed stream); closed when idle. Stored events and
 * sessions past retention are purged. `http/HttpServer` checks each request
 * and hands it here.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberMap from "effect/FiberMap"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Auth from "./auth.js"
import { json, requestIdOf, rpcError } from "./answers.js"
import { STANDALONE_STREAM } from "./HttpStreams.js"
import type { SessionInfo } from "./HttpSession.js"
import { serveDetached } from "./resume.js"
import { sdkEventStore } from "./sdkEventStore.js"
import type { Durable, Options, ServeSession } from "./serverOptions.js"
import { Session, SessionTable, SessionTransport } from "./sessions.js"

/** A session's last-seen time is written at most this often (ms). */
const TOUCH_EVERY_MS = 1_000

/** How often stored events and sessions past retention are looked for, at most (ms). */
const PURGE_EVERY_MS = 10 * 60_000

/** What a client told the server is full is asked to wait, in seconds. @since 0.1.0 */
export const RETRY_AFTER_SECONDS = 5

/** JSON-RPC's code of a call whose session ended under it (a server error). */
const SESSION_ENDED = -32000

/**
 * The sessions a server holds, as its endpoint uses them.
 *
 * @since 0.1.0
 */
export interface SessionHost<R> {
  /** The session of this id held here, if this caller opened it. */
  readonly find: (id: string, caller: Auth.Caller) => Session | undefined
  /** Records that the session was seen now (at most once a second). */
  readonly touch: (session: Session) => Effect.Effect<void>
  /** Hands one exchange to its session's transport, counted as open until the response closes. */
  readonly forward: (
    session: Session,
    req: IncomingMessage,
    res: ServerResponse,
    body?: unknown,
    stream?: string
  ) => Effect.Effect<void>
  /** Opens a session for an `initialize`, and hands it the request. */
  readonly open: (
    caller: Auth.Caller,
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown
  ) => Effect.Effect<void, never, R>
  /**
   * A session this process does not hold, served again when the database
   * knows it for this principal: undefined when unknown, "answered" when
   * the request was answered already.
   */
  readonly restore: (
    id: string,
    caller: Auth.Caller,
    res: ServerResponse
  ) => Effect.Effect<Session | "answered" | undefined, never, R>
  /** A GET with `Last-Event-ID`: its stream, from where the client left it. */
  readonly resume: (
    session: Session,
    lastEventId: string,
    req: IncomingMessage,
    res: ServerResponse
  ) => Effect.Effect<void, never, R>
  /** Closes every session (the server's end: not durably, so that they may be served again). */
  readonly closeAll: Effect.Effect<void>
}

/**
 * Holds the sessions served with `serveSession` until the scope closes,
 * and looks for idle ones (and, given `durable`, for stored sessions and
 * events past retention) on fibers of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSessionHost = <R>(
  serveSession: ServeSession<R>,
  options: Options,
  durable?: Durable<R>
): Effect.Effect<SessionHost<R>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const table = new SessionTable()
    const fibers = yield* FiberMap.make<string>()
    yield* Effect.addFinalizer(() =>
      table.size === 0 ? Effect.void : Effect.logDebug(`closing ${table.size} HTTP session(s)`)
    )
    const runtime = yield* Effect.runtime<never>()
    const streams = durable?.streams
    /** A store that fails is logged; the session goes on (not resumable for as long). */
    const stored = <A>(what: string, effect: Effect.Effect<A, unknown>, fallback: A) =>
      Effect.catchAll(effect, (error) => Effect.as(Effect.logWarning(`HTTP ${what}`, error), fallback))
    const lastTouched = new WeakMap<Session, number>()
    /** Records that the session was seen now (at most once a second). */
    const touch = (session: Session) =>
      Effect.suspend(() => {
        const now = Date.now()
        if (streams === undefined || now - (lastTouched.get(session) ?? 0) < TOUCH_EVERY_MS) return Effect.void
        lastTouched.set(session, now)
        return stored("session: last seen not recorded", streams.touch(session.info.id, now), undefined)
      })

    /** Hands one exchange to its session's transport, counted as open until the response closes. */
    const forward = (session: Session, req: IncomingMessage, res: ServerResponse, body?: unknown, stream?: string) =>
      Effect.suspend(() => {
        // The client is gone already: nothing to answer, nothing to count.
        if (res.destroyed) return Effect.void
        session.begin()
        res.once("close", () => session.end(Date.now()))
        return Effect.tryPromise(() => session.transport.handleRequest(req, res, body, stream))
      }).pipe(
        Effect.catchAll((error) =>
          Effect.zipRight(
            Effect.logError(`HTTP ${req.method} of session ${session.info.id} failed`, error),
            Effect.sync(() => json(res, 500, rpcError(-32603, "internal error")))
          )
        )
      )

    /**
     * Starts a session's server core on a new transport: for an
     * `initialize` (`initialize` its params, recorded once the transport
     * accepts it), or to serve a recorded session again (no params). Answers
     * the session, or undefined once it has answered the request itself
     * (503 when full, 500 when the core did not start).
     */
    const start = (info: SessionInfo, initialize: { readonly params: unknown } | undefined, res: ServerResponse, body?: unknown) =>
      Effect.gen(function*() {
        const { id, caller } = info
        const runPromise = Runtime.runPromise(runtime)
        const transport: SessionTransport = new SessionTransport({
          sessionIdGenerator: () => id,
          onsessionclosed: async () => {
            table.remove(session)
            // The client's calls still running are answered, each on its stream, before the streams close.
            await transport.endCalls({
              code: SESSION_ENDED,
              message: "the session was ended (DELETE) while this call ran; its run was stopped",
              data: { _tag: "SessionEnded", sessionId: id }
            })
            // DELETE ends it durably: it is never served again.
            if (streams !== undefined) await runPromise(stored("session end", streams.endSession(id), undefined))
          },
          maxRequestBodySize: options.maxBodyBytes,
          ...(streams === undefined ? {} : {
            eventStore: (muted: () => boolean) => sdkEventStore(streams, id, runtime, muted),
            onProtocolVersion: (version: string) => {
              Runtime.runFork(runtime)(stored("session version", streams.setProtocolVersion(id, version), undefined))
            },
            // Recorded before the client gets its session id, so that what follows finds the record.
            ...(initialize === undefined ? {} : {
              onsessioninitialized: () =>
                runPromise(stored(
                  "session not recorded (it cannot be resumed elsewhere)",
                  streams.openSession({ id, principal: Auth.principalId(caller), initialize: initialize.params, createdAt: info.createdAt }),
                  undefined
                ))
            })
          })
        })
        const session: Session = new Session(info, transport)
        if (!table.add(session, options.maxSessions)) {
          yield* Effect.logWarning(`HTTP session refused: ${options.maxSessions} sessions are open (the limit)`)
          const message = `the server has ${options.maxSessions} sessions open, as many as it serves; retry later`
          const data = { _tag: "TooManySessions", limit: options.maxSessions }
          json(res, 503, rpcError(-32000, message, requestIdOf(body), data), {
            "Retry-After": String(RETRY_AFTER_SECONDS)
          })
          return undefined
        }
        const annotations = { httpSession: id, principal: caller.principal.name }
        const served = serveSession(transport, info).pipe(
          Effect.scoped,
          Effect.ensuring(Effect.sync(() => table.remove(session))),
          Effect.ensuring(Effect.logDebug("HTTP session closed")),
          Effect.annotateLogs(annotations)
        )
        const fiber = yield* FiberMap.run(fibers, id, served)
        yield* Effect.logDebug("HTTP session opened").pipe(Effect.annotateLogs(annotations))
        const connected = yield* Effect.raceFirst(
          Effect.as(Effect.promise(() => transport.started), true),
          Effect.as(Fiber.await(fiber), false)
        )
        if (!connected) {
          yield* Effect.logError("HTTP session ended before its server connected")
          json(res, 500, rpcError(-32603, "internal error: the session could not start", requestIdOf(body)))
          return undefined
        }
        return session
      })

    /** Opens a session for an `initialize`, and hands it the request. */
    const open = (caller: Auth.Caller, req: IncomingMessage, res: ServerResponse, body: unknown) =>
      Effect.gen(function*() {
        const id = randomUUID()
        const params = typeof body === "object" && body !== null && "params" in body ? body.params : {}
        const session = yield* start({ id, caller, createdAt: Date.now() }, { params }, res, body)
        if (session === undefined) return
        yield* forward(session, req, res, body)
        // Refused by the transport (not acceptable, a bad protocol version): no session was made.
        if (session.transport.sessionId === undefined) yield* FiberMap.remove(fibers, id)
      })

    const restoring = new Map<string, Deferred.Deferred<void>>()
    /**
     * A session this process does not hold, served again when the database
     * knows it for this principal and it has not expired: initialized as its
     * client first did. Undefined when unknown (or another principal's: the
     * same answer); "answered" when the request was answered already (503,
     * 500). One restore of an id at a time; the others wait for it.
     */
    const restore = (
      id: string,
      caller: Auth.Caller,
      res: ServerResponse
    ): Effect.Effect<Session | "answered" | undefined, never, R> =>
      Effect.gen(function*() {
        if (streams === undefined || table.has(id)) return undefined
        const pending = restoring.get(id)
        if (pending !== undefined) {
          yield* Deferred.await(pending)
          return table.find(id, caller)
        }
        const done = yield* Deferred.make<void>()
        restoring.set(id, done)
        return yield* Effect.gen(function*() {
          const found = yield* stored("session lookup", streams.findSession(id, Auth.principalId(caller)), Option.none())
          if (Option.isNone(found) || Date.now() - found.value.lastSeenAt >= options.sessionIdleMs) return undefined
          const session = yield* start({ id, caller, createdAt: found.value.createdAt }, undefined, res)
          if (session === undefined) return "answered" as const
          const reinitialized = yield* Effect.either(Effect.tryPromise(() => session.transport.reinitialize(found.value.initialize)))
          if (reinitialized._tag === "Left") {
            yield* Effect.logError("HTTP session could not be served again", reinitialized.left)
            yield* FiberMap.remove(fibers, id)
            json(res, 500, rpcError(-32603, "internal error: the session could not be served again"))
            return "answered" as const
          }
          yield* Effect.logInfo("HTTP session served again (recorded by this or another instance)")
          return session
        }).pipe(
          Effect.ensuring(Effect.zipRight(Deferred.succeed(done, undefined), Effect.sync(() => restoring.delete(id)))),
          Effect.annotateLogs({ httpSession: id, principal: caller.principal.name })
        )
      })

    /**
     * A GET with `Last-Event-ID`. The SDK answers when the stream is the GET
     * stream, unknown to this session, or its call runs here (it replays
     * what was stored, and the rest follows live); else the stream is served
     * from the store and the call's job (`resume.ts`).
     */
    const resume = (session: Session, lastEventId: string, req: IncomingMessage, res: ServerResponse) =>
      Effect.gen(function*() {
        if (durable === undefined) return yield* forward(session, req, res)
        const found = yield* stored("resume", durable.streams.streamOfEvent(session.info.id, lastEventId), Option.none())
        if (Option.isNone(found)) return yield* forward(session, req, res)
        const stream = found.value
        if (stream.streamId === STANDALONE_STREAM || (!stream.answered && session.transport.runs(stream.requestIds))) {
          // The client is back for the stream: the connection it had is gone, whether or not it was noticed here.
          yield* Effect.promise(() => session.transport.supersede(stream.streamId))
          return yield* forward(session, req, res, undefined, stream.streamId)
        }
        if (res.destroyed) return
        session.begin()
        res.once("close", () => session.end(Date.now()))
        yield* serveDetached(durable.streams, durable.answerFromJob, session.info, stream, lastEventId, res)
      })

    // Idle sessions are looked for a few times per idle window (at most every minute).
    const sweepEvery = Math.min(60_000, Math.max(10, Math.floor(options.sessionIdleMs / 4)))
    // A session with a call running is not idle (its client may come back for the answer); it is seen.
    const sweep = Effect.suspend(() => {
      const now = Date.now()
      return Effect.zipRight(
        Effect.forEach(table.busy(), touch, { discard: true }),
        Effect.forEach(
          table.idle(now, options.sessionIdleMs),
          (session) =>
            Effect.zipRight(
              Effect.logInfo(`HTTP session idle for ${options.sessionIdleMs} ms: closed`).pipe(
                Effect.annotateLogs({ httpSession: session.info.id, principal: session.info.caller.principal.name })
              ),
              Effect.zipRight(
                Effect.zipRight(Effect.sync(() => table.remove(session)), FiberMap.remove(fibers, session.info.id)),
                // Ended durably too, unless another instance has seen it since.
                streams === undefined
                  ? Effect.void
                  : stored("session expiry", streams.expireSession(session.info.id, now - options.sessionIdleMs), false)
              )
            ),
          { discard: true }
        )
      )
    })
    yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced(Duration.millis(sweepEvery))))
    if (durable !== undefined) {
      // Bounded storage: events past retention, and sessions not seen for as long (with their streams), go.
      const purge = Effect.suspend(() => durable.streams.purge(Date.now() - durable.retentionMs)).pipe(
        Effect.tap(({ events, sessions }) =>
          events + sessions === 0
            ? Effect.void
            : Effect.logDebug(`HTTP streams: ${sessions} session(s) and ${events} event(s) past retention removed`)
        ),
        (effect) => stored("streams purge", effect, undefined)
      )
      const purgeEvery = Math.min(PURGE_EVERY_MS, Math.max(10, Math.floor(durable.retentionMs / 4)))
      yield* Effect.forkScoped(Effect.repeat(purge, Schedule.spaced(Duration.millis(purgeEvery))))
    }

    return {
      find: (id, caller) => table.find(id, caller),
      touch,
      forward,
      open,
      restore,
      resume,
      closeAll: FiberMap.clear(fibers)
    }
  })
