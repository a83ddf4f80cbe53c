/**
 * The whole gateway as one layer, and the program that serves it on stdio.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ApprovalPolicy from "./approvals/ApprovalPolicy.js"
import * as CliUpdater from "./cli/CliUpdater.js"
import * as GatewayConfig from "./Config.js"
import * as Instances from "./jobs/Instances.js"
import * as JobManager from "./jobs/JobManager.js"
import * as JobStore from "./jobs/JobStore.js"
import * as RequestRunner from "./jobs/RequestRunner.js"
import * as McpServer from "./mcp/McpServer.js"
import * as ModelRegistry from "./models/ModelRegistry.js"
import { tools } from "./mcp/tools/index.js"
import * as Logging from "./observability/Logging.js"
import * as CommandRunner from "./process/CommandRunner.js"
import * as Providers from "./providers/Providers.js"
import * as SessionStore from "./sessions/SessionStore.js"
import * as Database from "./storage/Database.js"

/**
 * Running one request (the adapters over a process runner), and the CLI
 * updater on the same runner.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRunners = <E>(
  commandRunner: Layer.Layer<CommandRunner.CommandRunner, E, GatewayConfig.GatewayConfig>
) =>
  Layer.mergeAll(RequestRunner.layer, CliUpdater.layer).pipe(
    Layer.provide(Layer.merge(commandRunner, Providers.layer))
  )

/**
 * The approval policy, with its default from the configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerApprovals = Layer.unwrapEffect(
  Effect.map(GatewayConfig.GatewayConfig, (config) => ApprovalPolicy.layer({ defaultPolicy: config.approvalPolicy }))
)

/**
 * Every service the tools need, on a configuration and a process runner:
 * the database, the instance registry, jobs, sessions, approvals, models and
 * the CLI updater.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServicesWith = <E>(
  commandRunner: Layer.Layer<CommandRunner.CommandRunner, E, GatewayConfig.GatewayConfig>
) =>
  JobManager.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        JobStore.layer,
        Instances.layer,
        SessionStore.layer,
        layerApprovals,
        ModelRegistry.layer,
        layerRunners(commandRunner)
      )
    ),
    Layer.provide(Database.layer)
  )

/**
 * The services with real processes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServices = layerServicesWith(CommandRunner.layer)

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
