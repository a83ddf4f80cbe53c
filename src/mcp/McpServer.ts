/**
 * The MCP server: the SDK's `Server` wired to the declared tools, each call
 * run as a fiber that the server's scope owns. MCP cancellation interrupts
 * the call's fiber; closing the server interrupts every call still running
 * (and so ends their CLIs). Resources and tasks are answered by the handlers
 * of `resourceHandlers` and `taskHandlers`, on fibers of the same scope.
 *
 * @since 0.1.0
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { Protocol, type RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import {
  type CallToolRequest,
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type ListToolsResult,
  McpError,
  type ProgressNotification,
  type ProgressToken,
  RELATED_TASK_META_KEY,
  type RequestId,
  type ServerNotification,
  type Result,
  type ServerRequest
} from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_MAX_LINE_BYTES } from "../Config.js"
import { VERSION } from "../version.js"
import { CurrentRequestId } from "./callLink.js"
import * as ClientLogging from "./clientLogging.js"
import * as FinalAnswers from "./finalAnswers.js"
import * as Guarded from "./guardedTransport.js"
import * as Instructions from "./instructions.js"
import type { RunRequest } from "./mcpErrors.js"
import type { AnyResource } from "./Resource.js"
import * as RequestIds from "./requestIds.js"
import * as ResourceHandlers from "./resourceHandlers.js"
import * as StdioTransport from "./StdioTransport.js"
import * as Results from "./results.js"
import * as TaskHandlers from "./taskHandlers.js"
import type { CallContext, Tool, ToolAnswer } from "./Tool.js"
import * as ToolList from "./toolList.js"

/**
 * What the client's model is told at `initialize` by a server that serves
 * every tool (a server told to serve fewer says less: `instructionsFor`).
 *
 * @since 0.1.0
 */
export const instructions = Instructions.everything

/** The progress a call reports, when its caller sent a progressToken. */
const progressContext = (
  token: ProgressToken | undefined,
  send: (params: ProgressNotification["params"]) => Promise<void>
): CallContext =>
  token === undefined ? {} : {
    reportProgress: (p) =>
      Effect.promise(() =>
        send({
          progressToken: token,
          progress: p.progress,
          ...(p.total !== undefined ? { total: p.total } : {}),
          ...(p.message !== undefined ? { message: p.message } : {})
        }).catch(() => undefined)
      )
  }

/**
 * `tools/call` as the protocol layer parses it before any handler runs, with
 * `arguments` left unchecked: `setCallToolHandler` then refuses a non-object
 * `arguments` as invalid params (-32602). With the strict schema here, the
 * protocol layer's parse fails first and answers -32603, an internal error,
 * for bad input.
 */
const LooseCallToolRequestSchema = (() => {
  const strict = CallToolRequestSchema as unknown as {
    readonly shape: { readonly params: { omit: (k: object) => { loose: () => unknown } } }
    readonly extend: (shape: object) => unknown
  }
  return strict.extend({ params: strict.shape.params.omit({ arguments: true }).loose() }) as typeof CallToolRequestSchema
})()

/**
 * Installs the `tools/call` handler on the SDK's protocol layer, under
 * `Server`'s own. `Server` wraps a tools/call handler in a second, strict
 * parse of the request and a parse (a copy) of every result: here the
 * request is parsed once (the loose schema, and `arguments` checked to be an
 * object as the strict schema would, with the same -32602), and the results,
 * which `results.ts` builds to the schema, are sent as they are. A status
 * poll is the call a client makes most.
 */
const setCallToolHandler = (
  server: Server,
  handler: (
    request: CallToolRequest,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>
  ) => Result | Promise<Result>
): void => {
  const checked: typeof handler = (request, extra) => {
    const args = (request.params as { readonly arguments?: unknown }).arguments
    if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
      throw new McpError(ErrorCode.InvalidParams, "Invalid tools/call request: arguments must be an object")
    }
    return handler(request, extra)
  }
  Protocol.prototype.setRequestHandler.call(server, LooseCallToolRequestSchema, checked as never)
}

/**
 * Builds the SDK server for a list of tools, resources (an empty list
 * answers empty lists) and, when given, a task backend (its tools list
 * `execution.taskSupport: "optional"`; without one the server declares no
 * `tasks` capability). The server lives as long as the scope; calls still
 * running when it closes are interrupted. Its instructions name only the
 * tools it serves.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R>(
  tools: ReadonlyArray<Tool<R>>,
  resources: ReadonlyArray<AnyResource<R>> = [],
  tasks?: TaskHandlers.TaskBackend<R>
): Effect.Effect<Server, never, Scope.Scope | R> => Effect.map(makeWithList(tools, resources, tasks), ({ server }) => server)

/**
 * Final answers a server keeps (`finalAnswers.ts`): a client polls a few jobs
 * at a time. Kept a minute: a finished job is purged days later.
 */
const FINAL_ANSWERS = 256
const FINAL_ANSWER_TTL_MS = 60_000

/** A tool's answer from memory (`Tool.callNow`), if it has one; undefined also when it throws. */
const answerAtOnce = <R>(tool: Tool<R>, args: unknown, services: Context.Context<R>): ToolAnswer | undefined => {
  try {
    return tool.callNow?.(args, services)
  } catch {
    return undefined
  }
}

/** The server, and its `tools/list` answer, prepared on first use. */
const makeWithList = <R>(
  tools: ReadonlyArray<Tool<R>>,
  resources: ReadonlyArray<AnyResource<R>>,
  tasks: TaskHandlers.TaskBackend<R> | undefined,
  /** The client's id of a request the server knows by `id` (see `requestIds`). */
  clientIdOf: (id: RequestId) => RequestId = (id) => id
): Effect.Effect<{ readonly server: Server; readonly toolList: () => ToolList.ToolList }, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const byName = new Map(tools.map((t) => [t.name, t]))
    // Calls run with the client logger: after `logging/setLevel`, their log lines reach the client too.
    const clientLogging = yield* ClientLogging.current
    const runFork = yield* ClientLogging.withLogger(FiberSet.makeRuntime<R>(), clientLogging)
    const clock = yield* Effect.clock
    // What the calls are served with (an HTTP session's caller among it): for the answers given at once.
    const services = yield* Effect.context<R>()
    const finals = FinalAnswers.make({
      capacity: FINAL_ANSWERS,
      ttlMs: FINAL_ANSWER_TTL_MS,
      now: () => clock.unsafeCurrentTimeMillis()
    })
    const server = new Server(
      { name: "llm-cli-gateway", version: VERSION },
      {
        capabilities: {
          tools: { listChanged: false },
          resources: { listChanged: false },
          logging: {},
          ...(tasks !== undefined ? { tasks: TaskHandlers.capabilities } : {})
        },
        instructions: Instructions.instructionsFor(new Set(byName.keys()))
      }
    )
    clientLogging.attach(server)
    const run: RunRequest<R> = (effect, signal) =>
      new Promise((resolve, reject) => {
        const fiber = runFork(effect)
        const onAbort = () => fiber.unsafeInterruptAsFork(fiber.id())
        signal.addEventListener("abort", onAbort, { once: true })
        fiber.addObserver((exit) => {
          signal.removeEventListener("abort", onAbort)
          if (Exit.isSuccess(exit)) return resolve(exit.value)
          const failure = Cause.failureOption(exit.cause)
          reject(
            failure._tag === "Some"
              ? failure.value
              : new McpError(
                ErrorCode.InternalError,
                Cause.isInterruptedOnly(exit.cause) ? "the request was canceled" : "internal error"
              )
          )
        })
      })
    ResourceHandlers.install(server, resources, run)
    if (tasks !== undefined) TaskHandlers.install(server, tasks, run)

    // Derived once, and the same object answers every `tools/list`.
    let listed: ToolList.ToolList | undefined
    const toolList = () => (listed ??= ToolList.make(tools, (name) => tasks?.supports(name) ?? false))
    server.setRequestHandler(ListToolsRequestSchema, () => toolList() as unknown as ListToolsResult)

    setCallToolHandler(server, (request, extra) => {
      const tool = byName.get(request.params.name)
      if (tool === undefined) {
        throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`)
      }
      const token = request.params._meta?.progressToken
      if (request.params.task !== undefined) {
        // A task-augmented call: the task (its job) at once, or a JSON-RPC error. A progressToken
        // keeps receiving progress, marked with the task, until the task ends.
        const created = tasks === undefined
          ? Effect.fail(new McpError(ErrorCode.MethodNotFound, "this server does not run tools as tasks"))
          : TaskHandlers.createTask(tasks, tool.name, request.params.arguments).pipe(
            Effect.tap(({ task }) =>
              token === undefined || tasks.follow === undefined ? Effect.void : Effect.sync(() => {
                const related = { [RELATED_TASK_META_KEY]: { taskId: task.taskId } }
                runFork(tasks.follow!(task.taskId, progressContext(token, (params) =>
                  server.notification({ method: "notifications/progress", params: { ...params, _meta: related } }))))
              })
            )
          )
        return run(Effect.tapDefect(created, (cause) => Effect.logError(`task of ${tool.name} died`, cause)), extra.signal)
      }
      // An answer that will not change is answered again at once: no fiber, no decoding, no lookup.
      const args = request.params.arguments
      const known = finals.lookup(tool.name, args)
      if (known !== undefined) return known
      // An answer the services hold in memory (a running job's status) is given at once too; one that throws
      // (a bug) is left to the call, which answers its failure as such.
      const now = answerAtOnce(tool, args, services)
      if (now !== undefined) {
        const result = Results.success(now)
        if (now.final === true) finals.keep(tool.name, args, result)
        return result
      }
      const context = progressContext(token, (params) => extra.sendNotification({ method: "notifications/progress", params }))
      const program = tool.call(args, context).pipe(
        Effect.match({
          onFailure: Results.failure,
          onSuccess: (answer) => {
            const result = Results.success(answer)
            if (answer.final === true) finals.keep(tool.name, args, result)
            return result
          }
        }),
        Effect.tapDefect((cause) => Effect.logError(`tool ${tool.name} died`, cause)),
        Effect.annotateLogs({ tool: tool.name }),
        // The call knows the request it answers, as the client named it (a transport may keep what it records).
        Effect.provideService(CurrentRequestId, clientIdOf(extra.requestId))
      )
      return new Promise((resolve) => {
        const fiber = runFork(program)
        const onAbort = () => fiber.unsafeInterruptAsFork(fiber.id())
        extra.signal.addEventListener("abort", onAbort, { once: true })
        fiber.addObserver((exit) => {
          extra.signal.removeEventListener("abort", onAbort)
          resolve(Exit.isSuccess(exit) ? exit.value : Results.defect(exit.cause))
        })
      })
    })

    return { server, toolList }
  })

/**
 * Serves the tools (and resources and tasks) on a transport until the
 * transport closes (or the scope does).
 *
 * @since 0.1.0
 */
export const serve = <R>(
  tools: ReadonlyArray<Tool<R>>,
  transport: Transport,
  resources: ReadonlyArray<AnyResource<R>> = [],
  tasks?: TaskHandlers.TaskBackend<R>,
  limits: Guarded.Limits = defaultLimits
): Effect.Effect<void, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const guarded = Guarded.guard(transport, limits, (event) => Runtime.runFork(runtime)(logGuardEvent(event)))
    const unique = RequestIds.uniqueRequestIds(guarded)
    const { server, toolList } = yield* makeWithList(
      tools,
      resources,
      tasks,
      (id) => typeof id === "number" ? unique.requestIds.external.get(id) ?? id : id
    )
    const closed = Effect.async<void>((resume) => {
      server.onclose = () => resume(Effect.void)
    })
    yield* Effect.acquireRelease(
      Effect.promise(() => server.connect(unique)),
      () => Effect.promise(() => server.close()).pipe(Effect.ignore)
    )
    // The tool list is prepared once the I/O already waiting (the client's `initialize`) has been answered,
    // so that the `tools/list` that follows finds it ready.
    yield* Effect.forkScoped(Effect.zipRight(nextTurn, Effect.sync(toolList)))
    yield* closed
  })

/**
 * Serves the tools (and resources and tasks) on this process's stdin and
 * stdout until stdin ends.
 *
 * @since 0.1.0
 */
export const serveStdio = <R>(
  tools: ReadonlyArray<Tool<R>>,
  resources: ReadonlyArray<AnyResource<R>> = [],
  tasks?: TaskHandlers.TaskBackend<R>,
  limits: Limits = defaultLimits
): Effect.Effect<void, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    // Lines are read in linear time, and a line over `maxLineBytes` is answered with an Invalid Request error and
    // skipped as it streams in: one hostile or mistaken line neither holds the other requests nor ends the server.
    const runtime = yield* Effect.runtime<never>()
    const transport = new StdioTransport.StdioTransport(process.stdin, process.stdout, {
      maxLineBytes: limits.maxLineBytes,
      onLineError: (error) => Runtime.runFork(runtime)(Effect.logWarning(error.message))
    })
    const stdinEnded = Effect.async<void>((resume) => {
      const done = () => resume(Effect.void)
      process.stdin.once("end", done)
      process.stdin.once("close", done)
      return Effect.sync(() => {
        process.stdin.off("end", done)
        process.stdin.off("close", done)
      })
    })
    // A client gone while an answer is being written (EPIPE) has disconnected, as when stdin ends:
    // the server shuts down the same way instead of dying of an unhandled 'error' event.
    const stdoutBroken = Effect.async<void>((resume) => {
      const broken = () => resume(Effect.void)
      process.stdout.on("error", broken)
      return Effect.sync(() => {
        process.stdout.off("error", broken)
        // Whatever is still written on the way out goes nowhere.
        if (process.stdout.listenerCount("error") === 0) process.stdout.on("error", () => {})
      })
    })
    yield* Effect.raceFirst(serve(tools, transport, resources, tasks, limits), Effect.raceFirst(stdinEnded, stdoutBroken))
  })

/**
 * The answer budget and the admission limit a server keeps (see
 * `guardedTransport`).
 *
 * @since 0.1.0
 */
export interface Limits extends Guarded.Limits {
  /** The longest input line read on stdio, in bytes; a longer one is refused (Invalid Request) and skipped. */
  readonly maxLineBytes: number
}

/**
 * The bounds a server keeps when it is given none: those of the default
 * configuration.
 *
 * @since 0.1.0
 */
export const defaultLimits: Limits = {
  maxAnswerBytes: DEFAULT_MAX_ANSWER_BYTES,
  maxConcurrentCalls: DEFAULT_MAX_CONCURRENT_CALLS,
  maxLineBytes: DEFAULT_MAX_LINE_BYTES
}

const logGuardEvent = (event: Guarded.GuardEvent): Effect.Effect<void> => {
  const what = "tool" in event && event.tool !== undefined ? `${event.method} ${event.tool}` : event.method
  switch (event._tag) {
    case "AnswerTooLarge":
      return Effect.logWarning(`answer of ${what} was ${event.bytes} bytes, over the answer budget: sent AnswerTooLarge`)
    case "NotificationDropped":
      return Effect.logWarning(`notification ${what} of ${event.bytes} bytes is over the answer budget: dropped`)
    case "Overloaded":
      return Effect.logWarning(`${what} refused: as many calls as admitted are being answered (Overloaded)`)
  }
}

/** Resumes in the event loop's check phase, after pending I/O has been handled. */
const nextTurn: Effect.Effect<void> = Effect.async((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
