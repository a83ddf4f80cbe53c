/**
 * The whole gateway as one layer, and the programs that serve it: on stdio,
 * on any MCP SDK transport, and over Streamable HTTP.
 *
 * @since 0.1.0
 */
import * as Services from "./Services.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as GatewayConfig from "./Config.js"
import type { GatewayError } from "./domain/errors.js"
import type { HttpServeError } from "./http/errors.js"
import type { TokenStore } from "./http/tokens.js"
import { type HttpOptions, serveHttpWith } from "./httpServe.js"
import * as ClientLogging from "./mcp/clientLogging.js"
import * as McpServer from "./mcp/McpServer.js"
import type { AnyResource } from "./mcp/Resource.js"
import { resources as allResources } from "./mcp/resources/index.js"
import type { ToolServices } from "./mcp/tools/index.js"
import * as Logging from "./observability/Logging.js"
import { makeCore, type Serve } from "./serverCore.js"

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
 * The server core (see `serverCore.ts`).
 *
 * @since 0.1.0
 */
export { type Core, makeCore, type Serve } from "./serverCore.js"

/**
 * MCP over Streamable HTTP (see `httpServe.ts`).
 *
 * @since 0.1.0
 */
export { HTTP_EVENT_RETENTION_MS, type HttpOptions, serveHttpWith, serveSession } from "./httpServe.js"

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
