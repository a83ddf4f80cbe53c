/**
 * MCP's Streamable HTTP transport (specification 2025-11-25) on `node:http`:
 * one endpoint, `/mcp`, that takes JSON-RPC by POST (answered on an SSE
 * stream, which carries a call's progress before its answer), opens the
 * stream of server messages by GET, and ends a session by DELETE.
 *
 * Each MCP session (`Mcp-Session-Id`) is one SDK transport with its own
 * server core on it (`ServeSession`), run on a fiber of its own in a scope
 * of its own: ending the session (DELETE, idle expiry, the server's end)
 * closes that scope, which interrupts the calls it still runs. A request
 * without a session id that is not `initialize` answers 400; an unknown
 * session id (or another principal's) answers 404.
 *
 * Safe by default, before anything is read or parsed:
 *
 * - `Host` on a loopback bind must name a loopback host, and a present
 *   `Origin` must be an allowed one (DNS-rebinding defence): else 403.
 * - With bearer tokens configured, every request needs one (401 with a
 *   `WWW-Authenticate` challenge); a session answers only the principal
 *   that opened it. Beyond loopback, the server does not start without
 *   tokens (`HttpAuthRequired`).
 * - A body over the bound answers 413 without being read whole; one
 *   session more than the limit answers 503 (`Retry-After`, and a JSON-RPC
 *   error `TooManySessions`); a session with no exchange open (no call's
 *   stream, no GET stream) for the idle window is closed. The answer budget
 *   and the admission limit of `McpServer.serve` hold per session.
 *
 * Resumable and durable (given `Durable`): every session is recorded in the
 * database, and every event sent on a call's SSE stream too, with an id.
 * A dropped connection is not a cancel: the call goes on (its session is
 * not idle while a call runs), and a client that comes back with a GET and
 * `Last-Event-ID` gets the rest of the stream. A session id this process
 * does not hold, but the database knows for the same principal (after a
 * restart, or opened on another instance), is served again: the session is
 * initialized as its client first did. A call that no one here will finish
 * is answered from its job (see `resume.ts`). DELETE and idle expiry end a
 * session durably; the server's own end does not (it may be served again).
 *
 * @since 0.1.0
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FiberMap from "effect/FiberMap"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { isLoopback, type ListenAddress } from "./address.js"
import * as Auth from "./auth.js"
import * as Listen from "./listen.js"
import { header, json, publicUrlOf, readJsonBody, requestIdOf, rpcError } from "./answers.js"
import { HttpAuthRequired, HttpOptionsInvalid, type HttpServeError } from "./errors.js"
import { type HttpStreamsShape, sdkEventStore, STANDALONE_STREAM } from "./eventStore.js"
import { hostAllowed, originAllowed, parseAllowedOrigins } from "./origins.js"
import type { SessionInfo } from "./HttpSession.js"
import { type AnswerFromJob, serveDetached } from "./resume.js"
import { Session, SessionTable, SessionTransport } from "./sessions.js"
import { TokenStore } from "./tokens.js"

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

/** A session's last-seen time is written at most this often (ms). */
const TOUCH_EVERY_MS = 1_000

/** How often stored events and sessions past retention are looked for, at most (ms). */
const PURGE_EVERY_MS = 10 * 60_000

/** The path of the MCP endpoint. @since 0.1.0 */
export const ENDPOINT = "/mcp"

/** What a client told the server is full is asked to wait, in seconds. @since 0.1.0 */
export const RETRY_AFTER_SECONDS = 5

/** JSON-RPC's code of a call whose session ended under it (a server error). */
const SESSION_ENDED = -32000

/** JSON-RPC's code of an unknown session (as the SDK answers it). */
const SESSION_NOT_FOUND = -32001

/**
 * Listens, and serves MCP sessions with `serveSession`, until the scope
 * closes (which closes every session, then the server). Answers the
 * address it listens on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R>(
  serveSession: ServeSession<R>,
  options: Options,
  durable?: Durable<R>
): Effect.Effect<ListenAddress, HttpServeError, Scope.Scope | R | TokenStore> =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const loopback = isLoopback(options.host)
    const tokenCount = yield* tokens.size
    // Tokens are required beyond loopback, and from the moment there are any; once required, always.
    let required = !loopback || tokenCount > 0
    if (!loopback && tokenCount === 0) {
      const hint = "add a bearer token first (`llm-cli-gateway token add NAME`; clients then send " +
        "`Authorization: Bearer <token>`), or listen on loopback (`--http PORT` binds 127.0.0.1)"
      return yield* new HttpAuthRequired({
        message: `refusing to serve MCP on ${options.host}, beyond this machine, without authentication: ${hint}`,
        host: options.host,
        hint
      })
    }
    const publicUrl = publicUrlOf(options.publicUrl)
    const publicHosts = publicUrl === undefined ? [] : [publicUrl.hostname.toLowerCase()]
    const origins = yield* Either.mapLeft(
      parseAllowedOrigins(
        publicUrl === undefined || options.allowedOrigins.includes(publicUrl.origin)
          ? options.allowedOrigins
          : [...options.allowedOrigins, publicUrl.origin]
      ),
      (message) => new HttpOptionsInvalid({ message: `allowedOrigins: ${message}`, option: "allowedOrigins" })
    )
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

    const readJson = (req: IncomingMessage, res: ServerResponse) => readJsonBody(req, res, options.maxBodyBytes)

    const handle = (req: IncomingMessage, res: ServerResponse): Effect.Effect<void, never, R> =>
      Effect.gen(function*() {
        const path = (req.url ?? "/").split("?")[0]
        // OAuth's Protected Resource Metadata (public, so before the Host and Origin checks); 404 without an issuer.
        const known = yield* Auth.wellKnown(path, req.method ?? "", ENDPOINT)
        if (known !== undefined) return json(res, known.status, known.body, known.headers)
        if (path !== ENDPOINT) return json(res, 404, rpcError(-32000, `Not Found: the MCP endpoint is ${ENDPOINT}`))
        const host = header(req, "host")
        if (!hostAllowed(options.host, host, publicHosts)) {
          return json(res, 403, rpcError(-32000, `Forbidden: Host ${JSON.stringify(host ?? "")} is not this server's`))
        }
        const origin = header(req, "origin")
        if (!originAllowed(origins, origin)) {
          return json(res, 403, rpcError(-32000, `Forbidden: Origin ${JSON.stringify(origin)} is not allowed`))
        }
        if (!required && (yield* tokens.size) > 0) required = true
        const auth = yield* Auth.authenticate(tokens, header(req, "authorization"), required)
        if (auth._tag === "Refused") {
          // 401; 403 for a missing OAuth scope, 503 when the OAuth issuer cannot be reached.
          const refused = Auth.refusalAnswer(auth)
          return json(res, refused.status, rpcError(-32001, refused.message), refused.headers)
        }
        const method = req.method ?? ""
        if (method !== "POST" && method !== "GET" && method !== "DELETE") {
          return json(res, 405, rpcError(-32000, "Method not allowed."), { Allow: "GET, POST, DELETE" })
        }
        const sessionId = header(req, "mcp-session-id")
        if (sessionId !== undefined) {
          const session = table.find(sessionId, auth.caller) ?? (yield* restore(sessionId, auth.caller, res))
          if (session === "answered") return
          if (session === undefined) return json(res, 404, rpcError(SESSION_NOT_FOUND, "Session not found"))
          yield* touch(session)
          const lastEventId = header(req, "last-event-id")
          if (method === "GET") {
            return lastEventId !== undefined
              ? yield* resume(session, lastEventId, req, res)
              : yield* forward(session, req, res, undefined, STANDALONE_STREAM)
          }
          if (method !== "POST") return yield* forward(session, req, res)
          const body = yield* readJson(req, res)
          if (body !== undefined) yield* forward(session, req, res, body.value)
          return
        }
        if (method !== "POST") return json(res, 400, rpcError(-32000, "Bad Request: Mcp-Session-Id header is required"))
        const body = yield* readJson(req, res)
        if (body === undefined) return
        if (!isInitializeRequest(body.value)) {
          return json(res, 400, rpcError(-32000, "Bad Request: Mcp-Session-Id header is required"))
        }
        yield* open(auth.caller, req, res, body.value)
      }).pipe(
        Effect.catchAllDefect((defect) =>
          Effect.zipRight(
            Effect.logError(`HTTP ${req.method} ${req.url} died`, defect),
            Effect.sync(() => json(res, 500, rpcError(-32603, "internal error")))
          )
        )
      )

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

    return yield* Listen.listen(options.host, options.port, handle, FiberMap.clear(fibers))
  })
