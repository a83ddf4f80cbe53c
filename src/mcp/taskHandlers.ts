/**
 * MCP tasks (specification 2025-11-25) on the SDK server: a task-augmented
 * `tools/call` answers at once with a task, and `tasks/get`,
 * `tasks/result`, `tasks/list` and `tasks/cancel` are answered from a
 * durable backend.
 *
 * The SDK 1.x has its own task support (a `TaskStore` handed to `Server`),
 * but it does not fit a durable job store: its `tasks/result` polls the
 * store on an interval instead of waking when the work ends, its
 * `tasks/cancel` only writes a status (it cannot end a process), and its
 * `createTask` runs before the work is accepted, so it cannot give an
 * identical request the task (job) that already runs it. So the handlers
 * here are the SDK's request handlers for its Tasks request schemas, over a
 * `TaskBackend` that the gateway builds on its JobManager and JobStore.
 *
 * @since 0.1.0
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import {
  CancelTaskRequestSchema,
  ErrorCode,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListTasksRequestSchema,
  McpError,
  RELATED_TASK_META_KEY,
  type Task
} from "@modelcontextprotocol/sdk/types.js"
import type * as Either from "effect/Either"
import * as Effect from "effect/Effect"
import type { GatewayError } from "../domain/errors.js"
import { type RunRequest, toMcpError } from "./mcpErrors.js"
import * as Results from "./results.js"
import type { CallContext, ToolAnswer } from "./Tool.js"

/**
 * What the server needs to serve tasks. Task ids are the backend's own
 * (the gateway's are job ids); every failure is a typed `GatewayError`.
 *
 * @since 0.1.0
 */
export interface TaskBackend<R> {
  /** Whether a tool may be called as a task (it lists `execution.taskSupport: "optional"`). */
  readonly supports: (tool: string) => boolean
  /** Accepts the call's work and answers at once with its task. */
  readonly create: (
    tool: string,
    args: unknown
  ) => Effect.Effect<{ readonly task: Task; readonly meta?: Record<string, unknown> }, GatewayError, R>
  readonly get: (taskId: string) => Effect.Effect<Task, GatewayError, R>
  /**
   * Waits until the task ends, then answers what the tool would have
   * answered: its answer or its typed failure (`Left`). A failure in the
   * error channel means there is no such task (or it cannot be read).
   */
  readonly result: (taskId: string) => Effect.Effect<Either.Either<ToolAnswer, GatewayError>, GatewayError, R>
  readonly list: (
    cursor: string | undefined
  ) => Effect.Effect<{ readonly tasks: ReadonlyArray<Task>; readonly nextCursor?: string | undefined }, GatewayError, R>
  /** Ends the task; an `InvalidRequest` when it has already ended. */
  readonly cancel: (taskId: string) => Effect.Effect<Task, GatewayError, R>
  /** Reports the task's progress to `context` until it ends (when the call sent a progressToken). */
  readonly follow?: ((taskId: string, context: CallContext) => Effect.Effect<void, never, R>) | undefined
}

/**
 * The capabilities a server with tasks declares: `tasks/list`,
 * `tasks/cancel`, and task-augmented `tools/call`.
 *
 * @since 0.1.0
 */
export const capabilities = {
  list: {},
  cancel: {},
  requests: { tools: { call: {} } }
} as const

const mapFailure = <A, R>(effect: Effect.Effect<A, GatewayError, R>): Effect.Effect<A, McpError, R> =>
  Effect.mapError(effect, (e) => toMcpError(e))

/**
 * Answers a task-augmented `tools/call`: a task, or a JSON-RPC error when
 * the tool cannot be called as a task (MethodNotFound, as the specification
 * asks) or the call is refused before any work starts.
 *
 * @since 0.1.0
 */
export const createTask = <R>(backend: TaskBackend<R>, tool: string, args: unknown) =>
  Effect.suspend(() => {
    if (!backend.supports(tool)) {
      return Effect.fail(
        new McpError(ErrorCode.MethodNotFound, `${tool} cannot be called as a task (its execution.taskSupport is absent)`)
      )
    }
    return Effect.map(
      mapFailure(backend.create(tool, args)),
      ({ meta, task }) => (meta === undefined ? { task } : { task, _meta: meta })
    )
  })

/**
 * Sets the `tasks/*` request handlers.
 *
 * @since 0.1.0
 */
export const install = <R>(server: Server, backend: TaskBackend<R>, run: RunRequest<R>): void => {
  server.setRequestHandler(GetTaskRequestSchema, (request, extra) =>
    run(mapFailure(backend.get(request.params.taskId)), extra.signal))

  server.setRequestHandler(GetTaskPayloadRequestSchema, (request, extra) => {
    const taskId = request.params.taskId
    return run(
      Effect.map(mapFailure(backend.result(taskId)), (outcome) => {
        const result = outcome._tag === "Right" ? Results.success(outcome.right) : Results.failure(outcome.left)
        return { ...result, _meta: { [RELATED_TASK_META_KEY]: { taskId } } }
      }),
      extra.signal
    )
  })

  server.setRequestHandler(ListTasksRequestSchema, (request, extra) =>
    run(
      Effect.map(mapFailure(backend.list(request.params?.cursor)), ({ nextCursor, tasks }) => ({
        tasks: [...tasks],
        ...(nextCursor !== undefined ? { nextCursor } : {})
      })),
      extra.signal
    ))

  server.setRequestHandler(CancelTaskRequestSchema, (request, extra) =>
    run(mapFailure(backend.cancel(request.params.taskId)), extra.signal))
}

/**
 * The same backend with every Effect passed through `f` (the gateway uses
 * it to wait for its services before answering).
 *
 * @since 0.1.0
 */
export const mapBackend = <R, R2>(
  backend: TaskBackend<R>,
  f: <A>(effect: Effect.Effect<A, GatewayError, R>) => Effect.Effect<A, GatewayError, R2>
): TaskBackend<R2> => ({
  supports: backend.supports,
  create: (tool, args) => f(backend.create(tool, args)),
  get: (taskId) => f(backend.get(taskId)),
  result: (taskId) => f(backend.result(taskId)),
  list: (cursor) => f(backend.list(cursor)),
  cancel: (taskId) => f(backend.cancel(taskId)),
  follow: backend.follow === undefined
    ? undefined
    : (taskId, context) => Effect.ignore(f(backend.follow!(taskId, context)))
})
