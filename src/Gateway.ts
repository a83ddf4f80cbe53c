/**
 * The whole gateway as one layer, and the program that serves it on stdio.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as GatewayConfig from "./Config.js"
import * as Instances from "./jobs/Instances.js"
import * as JobManager from "./jobs/JobManager.js"
import * as JobStore from "./jobs/JobStore.js"
import * as RequestRunner from "./jobs/RequestRunner.js"
import * as McpServer from "./mcp/McpServer.js"
import { tools } from "./mcp/tools/index.js"
import * as Logging from "./observability/Logging.js"
import * as CommandRunner from "./process/CommandRunner.js"
import * as Providers from "./providers/Providers.js"
import * as Database from "./storage/Database.js"

/**
 * Running one request: the process runner and the adapters.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRequestRunner: Layer.Layer<RequestRunner.RequestRunner, never, GatewayConfig.GatewayConfig> =
  RequestRunner.layer.pipe(
    Layer.provide(Layer.merge(CommandRunner.layer, Providers.layer))
  )

/**
 * Every service the tools need, on a configuration: the database, the
 * instance registry, the job store and the job manager.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServicesWith = <E>(
  requestRunner: Layer.Layer<RequestRunner.RequestRunner, E, GatewayConfig.GatewayConfig>
) =>
  JobManager.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(JobStore.layer, Instances.layer, requestRunner)),
    Layer.provide(Database.layer)
  )

/**
 * The services with real processes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServices = layerServicesWith(layerRequestRunner)

/**
 * The services and stderr logging, configured from the environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.mergeAll(layerServices, Logging.layer).pipe(
  Layer.provideMerge(GatewayConfig.layer)
)

/**
 * Serves every tool on stdin/stdout until stdin ends or the fiber is
 * interrupted (SIGINT, SIGTERM).
 *
 * @since 0.1.0
 */
export const serveStdio = Effect.scoped(McpServer.serveStdio(tools)).pipe(
  Effect.tap(() => Effect.logDebug("stdin closed; shutting down")),
  Effect.onInterrupt(() => Effect.logDebug("interrupted; shutting down"))
)
