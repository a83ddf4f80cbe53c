/**
 * The whole gateway as one layer, and the programs that serve it: on stdio,
 * on any MCP SDK transport, and over Streamable HTTP.
 *
 * @since 0.1.0
 */
import * as Services from "./Services.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as GatewayConfig from "./Config.js"
import { DEFAULT_HOST, type ListenAddress } from "./http/address.js"
import type { HttpServeError } from "./http/errors.js"
import type { HttpStreams, HttpStreamsShape } from "./http/eventStore.js"
import type * as HttpServer from "./http/HttpServer.js"
import { principalId } from "./http/auth.js"
import { HttpSession } from "./http/HttpSession.js"
import type { TokenStore } from "./http/tokens.js"
import * as Guarded from "./mcp/guardedTransport.js"
import * as McpServer from "./mcp/McpServer.js"
import { type GatewayError, StorageError } from "./domain/errors.js"
import { CurrentPrincipal } from "./domain/Principal.js"
import { CallLink } from "./mcp/callLink.js"
import * as ClientLogging from "./mcp/clientLogging.js"
import type { AnyResource } from "./mcp/Resource.js"
import { mapResources } from "./mcp/resourceHandlers.js"
import { resources as allResources } from "./mcp/resources/index.js"
import * as TaskBackend from "./mcp/taskBackend.js"
import { mapBackend } from "./mcp/taskHandlers.js"
import type * as TaskHandlers from "./mcp/taskHandlers.js"
import type { Tool } from "./mcp/Tool.js"
import { servedTools, type ToolServices } from "./mcp/tools/index.js"
import { answerFromJob } from "./mcp/tools/requests.js"
import * as Results from "./mcp/results.js"
import * as Toolsets from "./mcp/toolsets.js"
import * as Logging from "./observability/Logging.js"

/**
 * The layers of the services without the MCP server (see `Services`):
 * running requests (`layerRunners`), the approval policy
 * (`layerApprovals`), the MCP server registry (`layerMcpServers`).
 *
 * @since 0.1.0
 * @category layers
 */
export { layerApprovals, layerMcpServers, layerRunners } from "./Services.js"

/**
 * Every service the tools need, on a configuration and a process runner
 * (`Services.layerWith`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServicesWith = Services.layerWith

/**
 * The services with real processes (`Services.layer`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServices = Services.layer

/**
 * The services, configured from the environment. The app's logger is left
 * as it is: the gateway's log lines go to whatever loggers the app has
 * (see `layerWithLogging` for the gateway's own).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = layerServices.pipe(Layer.provideMerge(GatewayConfig.layer))

/**
 * `layer` with the gateway's own logger: it replaces the app's default
 * logger with lines on stderr in the configured format and level
 * (`LLM_GATEWAY_LOG_FORMAT`, `LLM_GATEWAY_LOG_LEVEL`; see
 * `observability/Logging`). For an app that asks for it; the binary uses it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithLogging = Layer.mergeAll(layerServices, Logging.layer).pipe(
  Layer.provideMerge(GatewayConfig.layer)
)

/**
 * How the server core meets its clients: given the tools, resources and
 * tasks, serve them until the clients are gone. `McpServer.serveStdio` is
 * one; `McpServer.serve` over any MCP SDK `Transport` is another.
 *
 * @since 0.1.0
 */
export type Serve = <R>(
  tools: ReadonlyArray<Tool<R>>,
  resources: ReadonlyArray<AnyResource<R>>,
  tasks: TaskHandlers.TaskBackend<R>,
  limits: McpServer.Limits
) => Effect.Effect<void, never, Scope.Scope | R>

/**
 * The server core, prepared once for any number of servers on it: the
 * tools of the configured toolsets, the resources and the tasks (the served
 * request tools' jobs), each waiting for the services, and the bounds every
 * server keeps.
 *
 * @since 0.1.0
 */
export interface Core {
  readonly tools: ReadonlyArray<Tool<GatewayConfig.GatewayConfig>>
  readonly resources: ReadonlyArray<AnyResource<GatewayConfig.GatewayConfig>>
  readonly tasks: TaskHandlers.TaskBackend<GatewayConfig.GatewayConfig>
  readonly limits: McpServer.Limits
}

/**
 * How long after start the services start on their own (ms), when no call
 * has needed them yet: after the client's `initialize` and `tools/list`.
 */
const SERVICES_START_DELAY_MS = 200

/**
 * Builds the services once, in the scope, and the core that waits for
 * them. The tools, resources and tasks are ready at once (a server answers
 * `initialize`, `tools/list` and `resources/list` without waiting), while
 * the services (the database, migrations, the instance registration) start
 * on the first call that needs them, or a moment after (200 ms); a tool
 * call, a resource read or a task request waits for them. A service that
 * cannot start (a corrupt database, say) fails each call with its typed
 * error.
 *
 * @since 0.1.0
 */
export const makeCore = <E extends GatewayError>(
  services: Layer.Layer<Exclude<ToolServices, GatewayConfig.GatewayConfig>, E, GatewayConfig.GatewayConfig>,
  resources: ReadonlyArray<AnyResource<ToolServices>> = allResources
): Effect.Effect<Core, never, Scope.Scope | GatewayConfig.GatewayConfig> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const ready = yield* Deferred.make<Context.Context<Exclude<ToolServices, GatewayConfig.GatewayConfig>>, E>()
    // Started once: by the first call that needs them, or SERVICES_START_DELAY_MS after the core is made. Opening
    // the database is synchronous work: started at once, it would hold up the client's `initialize` and
    // `tools/list`, which need none of it.
    // The services once built, for the tools that answer at once from memory (`Tool.callNow`).
    let built: Context.Context<Exclude<ToolServices, GatewayConfig.GatewayConfig>> | undefined
    const start = yield* Effect.once(
      Effect.forkIn(
        Layer.buildWithScope(services, scope).pipe(
          Effect.tap((context) => Effect.sync(() => built = context)),
          Effect.tapError((e) => Effect.logError(`the gateway's services could not start: ${e.message}`)),
          Effect.exit,
          Effect.flatMap((exit) => Deferred.done(ready, exit))
        ),
        scope
      )
    )
    yield* Effect.forkIn(Effect.zipRight(Effect.sleep(Duration.millis(SERVICES_START_DELAY_MS)), start), scope)
    const awaitReady = Effect.zipRight(start, Deferred.await(ready))
    // Only the tools of the configured toolsets (LLM_GATEWAY_TOOLSETS) are listed and answered.
    const { maxAnswerBytes, maxConcurrentCalls, maxLineBytes, syncDeadlineMs, toolsets } = yield* GatewayConfig.GatewayConfig
    yield* Effect.forEach(Toolsets.warnings(toolsets, syncDeadlineMs), (w) => Effect.logWarning(w), { discard: true })
    const waiting = servedTools(toolsets).map((tool): Tool<GatewayConfig.GatewayConfig> => ({
      name: tool.name,
      description: tool.description,
      annotations: tool.annotations,
      get inputSchema() {
        return tool.inputSchema
      },
      get outputSchema() {
        return tool.outputSchema
      },
      call: (args, call) => Effect.flatMap(awaitReady, (context) => Effect.provide(tool.call(args, call), context)),
      ...(tool.callNow !== undefined
        ? {
          callNow: (args: unknown, context: Context.Context<GatewayConfig.GatewayConfig>) =>
            built === undefined ? undefined : tool.callNow!(args, Context.merge(context, built))
        }
        : {})
    }))
    const whenReady = <A>(effect: Effect.Effect<A, GatewayError, ToolServices>) =>
      Effect.flatMap(awaitReady, (context) => Effect.provide(effect, context))
    return {
      tools: waiting,
      resources: mapResources(resources, whenReady),
      tasks: mapBackend(TaskBackend.make(), whenReady),
      limits: { maxAnswerBytes, maxConcurrentCalls, maxLineBytes }
    }
  })

/**
 * Serves the tools of the configured toolsets (every tool by default), the
 * resources (all of them unless told) and the tasks (the served request
 * tools' jobs) through `serve` — any transport — until it ends or the fiber
 * is interrupted. The core knows no transport (see `makeCore`).
 *
 * @since 0.1.0
 */
export const serveWith = <E extends GatewayError>(
  services: Layer.Layer<Exclude<ToolServices, GatewayConfig.GatewayConfig>, E, GatewayConfig.GatewayConfig>,
  serve: Serve,
  resources: ReadonlyArray<AnyResource<ToolServices>> = allResources
): Effect.Effect<void, never, GatewayConfig.GatewayConfig> =>
  Effect.scoped(Effect.gen(function*() {
    // Effect's built-in loggers write to stdout, which may be the protocol: here they write to stderr instead.
    yield* Logging.offStdoutScoped
    // The services' log lines (and the calls') also go to the client once it sets a level (`logging/setLevel`).
    const clientLogging = yield* ClientLogging.make
    yield* ClientLogging.addScoped(clientLogging)
    const core = yield* makeCore(services, resources)
    yield* serve(core.tools, core.resources, core.tasks, core.limits).pipe(
      Effect.provideService(ClientLogging.ClientLogging, clientLogging)
    )
  }))

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

/**
 * `serveWith` on stdin/stdout, until stdin ends (or stdout breaks) or the
 * fiber is interrupted (SIGINT, SIGTERM).
 *
 * @since 0.1.0
 */
export const serveStdioWith = <E extends GatewayError>(
  services: Layer.Layer<Exclude<ToolServices, GatewayConfig.GatewayConfig>, E, GatewayConfig.GatewayConfig>,
  resources: ReadonlyArray<AnyResource<ToolServices>> = allResources
): Effect.Effect<void, never, GatewayConfig.GatewayConfig> =>
  serveWith(services, McpServer.serveStdio, resources).pipe(
    Effect.tap(() => Effect.logDebug("stdin closed; shutting down")),
    Effect.onInterrupt(() => Effect.logDebug("interrupted; shutting down"))
  )

/**
 * `serveWith` on one MCP SDK `Transport` (an in-memory pair, a socket, a
 * Streamable HTTP session), until it closes.
 *
 * @since 0.1.0
 */
export const serveTransportWith = <E extends GatewayError>(
  services: Layer.Layer<Exclude<ToolServices, GatewayConfig.GatewayConfig>, E, GatewayConfig.GatewayConfig>,
  transport: Transport,
  resources: ReadonlyArray<AnyResource<ToolServices>> = allResources
): Effect.Effect<void, never, GatewayConfig.GatewayConfig> =>
  serveWith(services, (tools, res, tasks, limits) => McpServer.serve(tools, transport, res, tasks, limits), resources)

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

/**
 * `serveStdioWith` the live services.
 *
 * @since 0.1.0
 */
export const serveStdio = serveStdioWith(layerServices)

/**
 * `serveHttpWith` the live services.
 *
 * @since 0.1.0
 */
export const serveHttp = (
  options: HttpOptions = {}
): Effect.Effect<void, HttpServeError, GatewayConfig.GatewayConfig | TokenStore> => serveHttpWith(layerServices, options)

/**
 * What the binary needs around `serveStdio`: the configuration from the
 * environment and logging to stderr.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMain = Layer.provideMerge(Logging.layer, GatewayConfig.layer)
