/**
 * The MCP `logging` capability: once the client sends `logging/setLevel`,
 * the server's log lines at or above that level (Effect's logger:
 * `Effect.logInfo`, `logWarning`, `logError` from the services and the
 * tools) also reach the client as `notifications/message`, with logger
 * `llm-cli-gateway` and the message and annotations as data. Until the
 * client sets a level nothing is sent. Logging to stderr is unchanged.
 *
 * A log line never waits on the client: the logger drops the line into a
 * bounded queue (dropping when full), and one fiber of the server's scope
 * sends the lines in order. A send that fails or hangs is given up.
 *
 * @since 0.1.0
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { SetLevelRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { redact } from "../observability/redact.js"

/** The `logger` field of every message. @since 0.1.0 */
export const LOGGER_NAME = "llm-cli-gateway"

/** How many lines wait for the client at most; more are dropped. @since 0.1.0 */
export const QUEUE_CAPACITY = 512

/** How long one notification may take before it is given up. */
const SEND_TIMEOUT = Duration.seconds(5)

/**
 * The MCP log levels (RFC 5424's), lowest first.
 *
 * @since 0.1.0
 */
export const mcpLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const

/** @since 0.1.0 */
export type McpLevel = typeof mcpLevels[number]

/**
 * The Effect level at which an MCP level starts. Effect has no `notice`, so
 * `notice` starts at `Warning` (the first level above `info`); `critical`,
 * `alert` and `emergency` all start at `Fatal`. Debug includes Trace.
 *
 * @since 0.1.0
 */
export const toEffectLevel = (level: McpLevel): LogLevel.LogLevel => {
  switch (level) {
    case "debug":
      return LogLevel.Trace
    case "info":
      return LogLevel.Info
    case "notice":
    case "warning":
      return LogLevel.Warning
    case "error":
      return LogLevel.Error
    case "critical":
    case "alert":
    case "emergency":
      return LogLevel.Fatal
  }
}

/**
 * The MCP level a log line is sent with. `Fatal` (the program cannot go
 * on) is `emergency`, so that it passes every threshold that admits it.
 *
 * @since 0.1.0
 */
export const fromEffectLevel = (level: LogLevel.LogLevel): McpLevel => {
  switch (level._tag) {
    case "All":
    case "Trace":
    case "Debug":
      return "debug"
    case "Info":
      return "info"
    case "Warning":
      return "warning"
    case "Error":
      return "error"
    case "Fatal":
    case "None":
      return "emergency"
  }
}

/**
 * The `params` of one `notifications/message`.
 *
 * @since 0.1.0
 */
export interface LoggingMessage {
  readonly level: McpLevel
  readonly logger: string
  readonly data: {
    readonly message: string
    readonly annotations?: Readonly<Record<string, unknown>>
    readonly cause?: string
  }
}

const render = (message: unknown): string =>
  Array.isArray(message) ? message.map((m) => Inspectable.toStringUnknown(m)).join(" ") : Inspectable.toStringUnknown(message)

const jsonSafe = (value: unknown): unknown => {
  const json = Inspectable.toJSON(value)
  switch (typeof json) {
    case "string":
    case "number":
    case "boolean":
    case "object":
      return json
    default:
      return Inspectable.toStringUnknown(json)
  }
}

/**
 * The notification of a log line: its message, its annotations (tool,
 * jobId, …) and, when it carries one, the cause's messages (no stack).
 *
 * @since 0.1.0
 */
export const toMessage = (options: Logger.Logger.Options<unknown>): LoggingMessage => {
  const annotations: Record<string, unknown> = {}
  for (const [key, value] of HashMap.toEntries(options.annotations)) {
    const safe = jsonSafe(value)
    annotations[key] = typeof safe === "string" ? redact(safe) : safe
  }
  const cause = Cause.isEmpty(options.cause)
    ? undefined
    : redact(Cause.prettyErrors(options.cause).map((e) => e.message).join("; ") || "interrupted")
  // Secrets are redacted as on stderr: a client is no safer a place for them.
  return {
    level: fromEffectLevel(options.logLevel),
    logger: LOGGER_NAME,
    data: {
      message: redact(render(options.message)),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(cause !== undefined ? { cause } : {})
    }
  }
}

/**
 * @since 0.1.0
 */
export interface ClientLoggingShape {
  /** The logger to add where the server's work runs; it does nothing until the client sets a level. */
  readonly logger: Logger.Logger<unknown, void>
  /** Serves `logging/setLevel` on the server (which declares `capabilities.logging`) and sends to it. */
  readonly attach: (server: Server) => void
  /** The level the client set, if it did. */
  readonly level: () => McpLevel | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ClientLogging extends Context.Tag("llm-cli-gateway/ClientLogging")<ClientLogging, ClientLoggingShape>() {}

/**
 * The client logger and the fiber that sends its lines, for as long as the
 * scope lasts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<ClientLoggingShape, never, Scope.Scope> = Effect.gen(function*() {
  const queue = yield* Queue.dropping<LoggingMessage>(QUEUE_CAPACITY)
  yield* Effect.addFinalizer(() => Queue.shutdown(queue))
  let level: McpLevel | undefined
  let threshold: LogLevel.LogLevel | undefined
  let target: Server | undefined

  const send = (message: LoggingMessage) => {
    const server = target
    return server === undefined
      ? Effect.void
      : Effect.tryPromise(() => server.sendLoggingMessage(message)).pipe(Effect.timeout(SEND_TIMEOUT), Effect.ignore)
  }
  yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(queue), send)))

  const logger = Logger.make<unknown, void>((options) => {
    if (threshold === undefined || target === undefined) return
    if (LogLevel.lessThan(options.logLevel, threshold)) return
    Queue.unsafeOffer(queue, toMessage(options))
  })

  const attach = (server: Server): void => {
    target = server
    server.setRequestHandler(SetLevelRequestSchema, (request) => {
      level = request.params.level
      threshold = toEffectLevel(request.params.level)
      return {}
    })
  }

  return { logger, attach, level: () => level }
})

/**
 * `make` as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ClientLogging> = Layer.scoped(ClientLogging, make)

/**
 * The client logging of the context, or a new one for the scope.
 *
 * @since 0.1.0
 */
export const current: Effect.Effect<ClientLoggingShape, never, Scope.Scope> = Effect.flatMap(
  Effect.serviceOption(ClientLogging),
  Option.match({ onNone: () => make, onSome: Effect.succeed })
)

/**
 * Adds the client logger to the current fiber (and every fiber it forks
 * from now on) until the scope closes.
 *
 * @since 0.1.0
 */
export const addScoped = (logging: ClientLoggingShape): Effect.Effect<void, never, Scope.Scope> =>
  Effect.locallyScopedWith(FiberRef.currentLoggers, HashSet.add(logging.logger))

/**
 * Runs an effect (and every fiber it forks) with the client logger added
 * beside the others.
 *
 * @since 0.1.0
 */
export const withLogger: {
  (logging: ClientLoggingShape): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, logging: ClientLoggingShape): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, logging: ClientLoggingShape): Effect.Effect<A, E, R> =>
    Effect.locallyWith(self, FiberRef.currentLoggers, HashSet.add(logging.logger))
)
