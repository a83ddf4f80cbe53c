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
 * Here: the checks of every request, and its way to its session. The
 * sessions themselves (opened, served again, resumed, closed when idle) are
 * held by `sessionHost.ts`; what the server is given is in
 * `serverOptions.ts`.
 *
 * @since 0.1.0
 */
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import type { IncomingMessage, ServerResponse } from "node:http"
import { isLoopback, type ListenAddress } from "./address.js"
import * as Auth from "./auth.js"
import * as Listen from "./listen.js"
import { header, json, publicUrlOf, readJsonBody, rpcError } from "./answers.js"
import { HttpAuthRequired, HttpOptionsInvalid, type HttpServeError } from "./errors.js"
import { STANDALONE_STREAM } from "./HttpStreams.js"
import { hostAllowed, originAllowed, parseAllowedOrigins } from "./origins.js"
import type { Durable, Options, ServeSession } from "./serverOptions.js"
import { makeSessionHost } from "./sessionHost.js"
import { TokenStore } from "./tokens.js"

/**
 * Where to listen and the bounds kept, how a session is served, and what
 * makes sessions durable (defined in `http/serverOptions`).
 *
 * @since 0.1.0
 */
export type { Durable, Options, ServeSession } from "./serverOptions.js"

/**
 * What a client told the server is full is asked to wait, in seconds
 * (defined in `http/sessionHost`).
 *
 * @since 0.1.0
 */
export { RETRY_AFTER_SECONDS } from "./sessionHost.js"

/** The path of the MCP endpoint. @since 0.1.0 */
export const ENDPOINT = "/mcp"

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
    const { closeAll, find, forward, open, restore, resume, touch } = yield* makeSessionHost(
      serveSession,
      options,
      durable
    )

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
          const session = find(sessionId, auth.caller) ?? (yield* restore(sessionId, auth.caller, res))
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

    return yield* Listen.listen(options.host, options.port, handle, closeAll)
  })
