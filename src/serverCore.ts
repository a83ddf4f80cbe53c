/**
 * The server core: the tools of the configured toolsets, the resources and
 * the tasks, each waiting for the services, prepared once for any number of
 * MCP servers on it (one on stdio, one per Streamable HTTP session), and
 * how a transport serves them (`Serve`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as GatewayConfig from "./Config.js"
import type { GatewayError } from "./domain/errors.js"
import type * as McpServer from "./mcp/McpServer.js"
import type { AnyResource } from "./mcp/Resource.js"
import { mapResources } from "./mcp/resourceHandlers.js"
import { resources as allResources } from "./mcp/resources/index.js"
import * as TaskBackend from "./mcp/taskBackend.js"
import { mapBackend } from "./mcp/taskHandlers.js"
import type * as TaskHandlers from "./mcp/taskHandlers.js"
import type { Tool } from "./mcp/Tool.js"
import { servedTools, type ToolServices } from "./mcp/tools/index.js"
import * as Toolsets from "./mcp/toolsets.js"

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
