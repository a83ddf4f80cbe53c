/**
 * Every service of the gateway as layers, without the MCP server: what an
 * Effect app composes to run requests and jobs itself. Importing it loads
 * no MCP SDK (the server is `Gateway`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ApprovalPolicy from "./approvals/ApprovalPolicy.js"
import * as CliIdentity from "./cli/CliIdentity.js"
import * as CliUpdater from "./cli/CliUpdater.js"
import * as GatewayConfig from "./Config.js"
import * as Instances from "./jobs/Instances.js"
import * as JobManager from "./jobs/JobManager.js"
import * as JobStore from "./jobs/JobStore.js"
import * as RequestRunner from "./jobs/RequestRunner.js"
import * as McpServerRegistry from "./mcpServers/McpServerRegistry.js"
import * as Migrations from "./migrations.js"
import * as ModelRegistry from "./models/ModelRegistry.js"
import * as FlightRecorder from "./observability/FlightRecorder.js"
import * as Metrics from "./observability/Metrics.js"
import * as CommandRunner from "./process/CommandRunner.js"
import * as Providers from "./providers/Providers.js"
import * as CircuitBreaker from "./resilience/CircuitBreaker.js"
import * as SessionStore from "./sessions/SessionStore.js"
import * as Database from "./storage/Database.js"

/**
 * Running one request (the adapters over a process runner, through the
 * per-CLI circuit breakers, which are offered too), and the CLI updater on
 * the same runner. Each binary is checked to be its CLI before its first
 * use (`CliIdentity.layer`); a test with a scripted runner passes
 * `CliIdentity.layerTrusting` instead.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRunners = <E>(
  commandRunner: Layer.Layer<CommandRunner.CommandRunner, E, GatewayConfig.GatewayConfig>,
  identity: Layer.Layer<
    CliIdentity.CliIdentity,
    never,
    GatewayConfig.GatewayConfig | CommandRunner.CommandRunner | Providers.Providers
  > = CliIdentity.layer
) =>
  Layer.mergeAll(RequestRunner.layer, CliUpdater.layer).pipe(
    Layer.provideMerge(Layer.merge(CircuitBreaker.layer, identity)),
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
 * The registry of MCP server definitions, at the configured path.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMcpServers = Layer.unwrapEffect(
  Effect.map(GatewayConfig.GatewayConfig, (config) => McpServerRegistry.layer(config.mcpServersPath))
)

/**
 * The database the configuration names, brought to the gateway's schema
 * (`migrations.ts`). One value: a graph that uses it twice (the services and
 * the HTTP server's event store) builds it once.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDatabase = Database.layer.pipe(Layer.provide(Migrations.layer))

/**
 * Every service, on a configuration and a process runner: the database,
 * the instance registry, jobs, sessions, approvals, models, the CLI
 * updater, the flight recorder and the metrics.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = <E>(
  commandRunner: Layer.Layer<CommandRunner.CommandRunner, E, GatewayConfig.GatewayConfig>,
  identity?: Layer.Layer<
    CliIdentity.CliIdentity,
    never,
    GatewayConfig.GatewayConfig | CommandRunner.CommandRunner | Providers.Providers
  >
) =>
  JobManager.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        JobStore.layer,
        Instances.layer,
        SessionStore.layer,
        layerApprovals,
        ModelRegistry.layer,
        layerMcpServers,
        layerRunners(commandRunner, identity),
        FlightRecorder.layer
      )
    ),
    Layer.provideMerge(Metrics.layer),
    Layer.provide(layerDatabase)
  )

/**
 * Every service with real processes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = layerWith(CommandRunner.layer)
