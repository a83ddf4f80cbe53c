/**
 * llm-cli-gateway as a library: the services, their layers, the schemas of
 * requests and the typed errors.
 *
 * Each namespace is also its own entry point (`llm-cli-gateway/JobManager`
 * is `JobManager` here): an app that imports one loads only that module and
 * what it needs. Importing any of them starts nothing (no fiber, timer,
 * listener or file): the services start when their layers are built.
 *
 * @since 0.1.0
 */

/** Every environment variable, typed. @since 0.1.0 */
export * as GatewayConfig from "./Config.js"

/** The CLIs. @since 0.1.0 */
export * as Cli from "./domain/Cli.js"

/** Typed errors. @since 0.1.0 */
export * as Errors from "./domain/errors.js"

/** Strict shapes of request values. @since 0.1.0 */
export * as Fields from "./domain/fields.js"

/** What every request tool shares (each CLI's own Schemas are in `Agents`). @since 0.1.0 */
export * as Requests from "./domain/requests.js"

/** Every CLI the gateway runs: its facts, request Schemas, adapter and approvals. @since 0.1.0 */
export * as Agents from "./agents/registry.js"

/** What an agent is. @since 0.1.0 */
export * as Agent from "./agents/Agent.js"

/** Jobs: statuses, rows, replies. @since 0.1.0 */
export * as Job from "./domain/Job.js"

/** Token usage. @since 0.1.0 */
export * as Usage from "./domain/Usage.js"

/** Runs a CLI in its own process group. @since 0.1.0 */
export * as CommandRunner from "./process/CommandRunner.js"

/** The adapter interface. @since 0.1.0 */
export * as Provider from "./providers/Provider.js"

/** The registry of adapters. @since 0.1.0 */
export * as Providers from "./providers/Providers.js"

/** Whether a CLI's binary is that CLI. @since 0.1.0 */
export * as CliIdentity from "./cli/CliIdentity.js"

/** One request to its end. @since 0.1.0 */
export * as RequestRunner from "./jobs/RequestRunner.js"

/** The database (SQLite, or PostgreSQL by URL); its layers run the migrations they are given. @since 0.1.0 */
export * as Database from "./storage/Database.js"

/** The gateway's migrations, every area's in order, for the `Database` layers. @since 0.1.0 */
export * as Migrations from "./migrations.js"

/** The rows of jobs. @since 0.1.0 */
export * as JobStore from "./jobs/JobStore.js"

/** Request keys. @since 0.1.0 */
export * as Dedup from "./jobs/Dedup.js"

/** Server instances and orphan reaping. @since 0.1.0 */
export * as Instances from "./jobs/Instances.js"

/** Jobs as fibers. @since 0.1.0 */
export * as JobManager from "./jobs/JobManager.js"

/** Sessions and the active session per CLI. @since 0.1.0 */
export * as SessionStore from "./sessions/SessionStore.js"

/** Models, aliases and defaults. @since 0.1.0 */
export * as ModelRegistry from "./models/ModelRegistry.js"

/** Model configuration from the environment and the CLIs' files. @since 0.1.0 */
export * as ModelConfig from "./models/config.js"

/** CLI versions and upgrades. @since 0.1.0 */
export * as CliUpdater from "./cli/CliUpdater.js"

/** Approval decisions (pure). @since 0.1.0 */
export * as Approvals from "./approvals/policy.js"

/** The approval policy service and its log. @since 0.1.0 */
export * as ApprovalPolicy from "./approvals/ApprovalPolicy.js"

/** The registry of MCP server definitions. @since 0.1.0 */
export * as McpServerRegistry from "./mcpServers/McpServerRegistry.js"

/** One row per request in the database. @since 0.1.0 */
export * as FlightRecorder from "./observability/FlightRecorder.js"

/** Request counts, outcomes and durations per CLI. @since 0.1.0 */
export * as Metrics from "./observability/Metrics.js"

/** Redaction of secrets (pure). @since 0.1.0 */
export * as Redact from "./observability/redact.js"

/** Logging to stderr. @since 0.1.0 */
export * as Logging from "./observability/Logging.js"

/** Which failures are transient, and the backoff they are retried on. @since 0.1.0 */
export * as Retry from "./resilience/Retry.js"

/** One circuit breaker per CLI. @since 0.1.0 */
export * as CircuitBreaker from "./resilience/CircuitBreaker.js"

/** Breaker and retry around one CLI run. @since 0.1.0 */
export * as Resilience from "./resilience/Resilience.js"

/** The token-saving rewrite of prompts and replies (pure). @since 0.1.0 */
export * as Optimizer from "./optimizer/optimize.js"

/** The MCP server wiring. @since 0.1.0 */
export * as McpServer from "./mcp/McpServer.js"

/** Which tools are served (`LLM_GATEWAY_TOOLSETS`). @since 0.1.0 */
export * as Toolsets from "./mcp/toolsets.js"

/** Tool declarations. @since 0.1.0 */
export * as Tool from "./mcp/Tool.js"

/** Every service as layers, without the MCP server (no MCP SDK loaded). @since 0.1.0 */
export * as Services from "./Services.js"

/** The whole gateway as layers, and the MCP server on stdio, HTTP or any transport. @since 0.1.0 */
export * as Gateway from "./Gateway.js"

/** @since 0.1.0 */
export { VERSION } from "./version.js"
