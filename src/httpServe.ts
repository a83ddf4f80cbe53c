/**
 * MCP over Streamable HTTP on the server core: one MCP server per session
 * (`serveSession`), and the whole HTTP server with its durable streams, the
 * services built once beside it (`serveHttpWith`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as GatewayConfig from "./Config.js"
import { type GatewayError, StorageError } from "./domain/errors.js"
import { CurrentPrincipal } from "./domain/Principal.js"
import { DEFAULT_HOST, type ListenAddress } from "./http/address.js"
import { principalId } from "./http/auth.js"
import type { HttpServeError } from "./http/errors.js"
import type { HttpStreams, HttpStreamsShape } from "./http/eventStore.js"
import type * as HttpServer from "./http/HttpServer.js"
import { HttpSession } from "./http/HttpSession.js"
import type { TokenStore } from "./http/tokens.js"
import { CallLink } from "./mcp/callLink.js"
import * as ClientLogging from "./mcp/clientLogging.js"
import * as Guarded from "./mcp/guardedTransport.js"
import * as McpServer from "./mcp/McpServer.js"
import type { AnyResource } from "./mcp/Resource.js"
import { resources as allResources } from "./mcp/resources/index.js"
import * as Results from "./mcp/results.js"
import type { ToolServices } from "./mcp/tools/index.js"
import { answerFromJob } from "./mcp/tools/requests.js"
import { type Core, makeCore } from "./serverCore.js"
import * as Services from "./Services.js"

/**
 * One MCP session of a Streamable HTTP server: the core on the session's
 * transport, with the bounds of `McpServer.serve` (the answer budget, the
 * admission limit, request ids of its own), its own client logging (the
 * level its client sets, the lines of its calls), and the session (its id
 * and principal) in the context of its calls (`HttpSession`). The
 * admission limit counts the calls of all the sessions of one principal
 * together. Given the
 * durable `streams`, the job a call starts or joins is kept beside the
 * call's stream (`CallLink`), for a client that resumes it elsewhere.
 *
 * @since 0.1.0
 */
export const serveSession = (
  core: Core,
  streams?: HttpStreamsShape
): HttpServer.ServeSession<GatewayConfig.GatewayConfig> => {
  // The calls of one principal's sessions count against one admission limit, together.
  const admissions = new Map<string, { readonly admission: Guarded.Admission; sessions: number }>()
  const admissionOf = (principal: string) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const shared = admissions.get(principal) ??
          { admission: Guarded.makeAdmission(core.limits.maxConcurrentCalls), sessions: 0 }
        shared.sessions++
        admissions.set(principal, shared)
        return shared.admission
      }),
      () =>
        Effect.sync(() => {
          const shared = admissions.get(principal)
          if (shared !== undefined && --shared.sessions === 0) admissions.delete(principal)
        })
    )
  return (transport, session) =>
    Effect.gen(function*() {
      const principal = principalId(session.caller)
      const admission = yield* admissionOf(principal)
      const clientLogging = yield* ClientLogging.make
      const link = streams === undefined ? undefined : CallLink.of({
        record: (requestId, call) =>
          streams.linkCall(session.id, requestId, call).pipe(
            Effect.catchAll((e) =>
              Effect.logWarning("the job of an HTTP call was not recorded (its answer cannot be resumed)", e)
            )
          )
      })
      yield* McpServer.serve(core.tools, transport, core.resources, core.tasks, { ...core.limits, admission }).pipe(
        Effect.provideService(ClientLogging.ClientLogging, clientLogging),
        Effect.provideService(HttpSession, session),
        Effect.provideService(CurrentPrincipal, principal),
        link === undefined ? (effect) => effect : Effect.provideService(CallLink, link)
      )
    })
}

/**
 * How long the events of resumable HTTP streams are kept, at least (ms);
 * longer when sessions may idle longer.
 *
 * @since 0.1.0
 */
export const HTTP_EVENT_RETENTION_MS = 60 * 60_000

/**
 * Options of `serveHttpWith`: any of the server's (by default those of the
 * configuration, `LLM_GATEWAY_HTTP*`; with no address configured, any free
 * port on 127.0.0.1), and what to do once it listens.
 *
 * @since 0.1.0
 */
export interface HttpOptions extends Partial<HttpServer.Options> {
  /** Run once the server listens, with the address (the port it got, when asked for port 0). */
  readonly onListening?: (address: ListenAddress) => Effect.Effect<void, never, GatewayConfig.GatewayConfig | TokenStore>
}

/**
 * The services built once, and MCP served over Streamable HTTP (`/mcp`) on
 * them: one server core per session (see `http/HttpServer`), until the
 * fiber is interrupted. Fails at once when it cannot listen, or when asked
 * to listen beyond loopback with no bearer token in the `TokenStore`.
 *
 * @since 0.1.0
 */
export const serveHttpWith = <E extends GatewayError>(
  services: Layer.Layer<Exclude<ToolServices, GatewayConfig.GatewayConfig>, E, GatewayConfig.GatewayConfig>,
  options: HttpOptions = {},
  resources: ReadonlyArray<AnyResource<ToolServices>> = allResources
): Effect.Effect<void, HttpServeError, GatewayConfig.GatewayConfig | TokenStore> =>
  Effect.scoped(Effect.gen(function*() {
    const { http } = yield* GatewayConfig.GatewayConfig
    // Loaded when asked for: a server on stdio never evaluates the HTTP stack.
    const Http = yield* Effect.promise(() => import("./http/HttpServer.js"))
    const EventStore = yield* Effect.promise(() => import("./http/eventStore.js"))
    const { onListening, ...overrides } = options
    const listen = Option.getOrElse(http.listen, () => ({ host: DEFAULT_HOST, port: 0 }))
    // The services and the store of HTTP sessions and streams, built once beside the server (as `makeCore` does)
    // and on one database: `Services.layerDatabase` is one layer of the graph, built once for both.
    const scope = yield* Effect.scope
    const ready = yield* Deferred.make<
      Context.Context<Exclude<ToolServices, GatewayConfig.GatewayConfig> | HttpStreams>,
      E | StorageError
    >()
    yield* Effect.forkIn(
      Effect.zipRight(
        nextTurn,
        Layer.buildWithScope(Layer.merge(services, EventStore.layer.pipe(Layer.provide(Services.layerDatabase))), scope)
      ).pipe(
        Effect.exit,
        Effect.flatMap((exit) => Deferred.done(ready, exit))
      ),
      scope
    )
    const core = yield* makeCore(Layer.effectContext(Deferred.await(ready)), resources)
    const whenReady = <A, E2>(effect: Effect.Effect<A, E2, ToolServices | HttpStreams>) =>
      Effect.flatMap(Deferred.await(ready), (context) => Effect.provide(effect, context))
    const streams = lazyStreams(
      Effect.flatMap(
        Effect.mapError(Deferred.await(ready), (e) =>
          e instanceof StorageError ? e : new StorageError({ message: e.message, operation: "http services" })),
        (context) => Effect.succeed(Context.get(context, EventStore.HttpStreams))
      )
    )
    const answer: HttpServer.Durable<GatewayConfig.GatewayConfig>["answerFromJob"] = (call, session) =>
      whenReady(answerFromJob(call)).pipe(
        Effect.match({ onFailure: Results.failure, onSuccess: Results.success }),
        Effect.catchAllCause((cause) => Effect.succeed(Results.defect(cause))),
        Effect.provideService(CurrentPrincipal, principalId(session.caller))
      )
    const sessionIdleMs = overrides.sessionIdleMs ?? http.sessionIdleMs
    const address = yield* Http.make(serveSession(core, streams), {
      host: listen.host,
      port: listen.port,
      allowedOrigins: http.allowedOrigins,
      maxBodyBytes: http.maxBodyBytes,
      maxSessions: http.maxSessions,
      sessionIdleMs: http.sessionIdleMs,
      publicUrl: http.publicUrl,
      ...overrides
    }, { streams, answerFromJob: answer, retentionMs: Math.max(sessionIdleMs, HTTP_EVENT_RETENTION_MS) })
    if (onListening !== undefined) yield* onListening(address)
    yield* Effect.never
  })).pipe(Effect.onInterrupt(() => Effect.logDebug("interrupted; closing the HTTP sessions and shutting down")))

/** The store, once the services have started: each operation waits for them (and fails as they did). */
const lazyStreams = (get: Effect.Effect<HttpStreamsShape, StorageError>): HttpStreamsShape => ({
  openSession: (session) => Effect.flatMap(get, (s) => s.openSession(session)),
  setProtocolVersion: (id, version) => Effect.flatMap(get, (s) => s.setProtocolVersion(id, version)),
  findSession: (id, principal) => Effect.flatMap(get, (s) => s.findSession(id, principal)),
  touch: (id, at) => Effect.flatMap(get, (s) => s.touch(id, at)),
  endSession: (id) => Effect.flatMap(get, (s) => s.endSession(id)),
  expireSession: (id, seenBefore) => Effect.flatMap(get, (s) => s.expireSession(id, seenBefore)),
  linkCall: (sessionId, requestId, call) => Effect.flatMap(get, (s) => s.linkCall(sessionId, requestId, call)),
  append: (sessionId, streamId, message, requestIds, at) =>
    Effect.flatMap(get, (s) => s.append(sessionId, streamId, message, requestIds, at)),
  streamOfEvent: (sessionId, eventId) => Effect.flatMap(get, (s) => s.streamOfEvent(sessionId, eventId)),
  eventsAfter: (sessionId, eventId) => Effect.flatMap(get, (s) => s.eventsAfter(sessionId, eventId)),
  purge: (before) => Effect.flatMap(get, (s) => s.purge(before))
})

/** Resumes in the event loop's check phase, after pending I/O has been handled. */
const nextTurn: Effect.Effect<void> = Effect.async((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
