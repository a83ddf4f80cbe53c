/**
 * The MCP server: the SDK's `Server` wired to the declared tools, each call
 * run as a fiber that the server's scope owns. MCP cancellation interrupts
 * the call's fiber; closing the server interrupts every call still running
 * (and so ends their CLIs).
 *
 * @since 0.1.0
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError
} from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import { VERSION } from "../version.js"
import * as Results from "./results.js"
import type { CallContext, Tool } from "./Tool.js"

/**
 * What the client's model is told at `initialize`.
 *
 * @since 0.1.0
 */
export const instructions = [
  "llm-cli-gateway runs the local coding-agent CLIs claude, codex, gemini and grok.",
  "claude_request, codex_request, gemini_request and grok_request answer with the reply when the CLI ends; a run",
  "still going after SYNC_DEADLINE_MS (45 s) answers with a jobId instead. For long work use the *_request_async",
  "tools, then llm_job_wait (waits up to timeoutMs) and llm_job_result (pages with offset); llm_job_cancel ends a job.",
  "Every request is a durable job: identical requests within an hour share one run (forceRefresh: true for a new",
  "one), and results survive restarts. structuredContent carries the CLI's own sessionId (pass it back as",
  "sessionId to continue), usage and cost. Failures are typed: structuredContent.error._tag (CliAuthRequired,",
  "CliRateLimited, IdleTimeout, InvalidRequest, JobNotFound, ...) and the text says what to do. A CLI that prints",
  "nothing for idleTimeoutMs (default 10 minutes) is stopped."
].join(" ")

/**
 * Builds the SDK server for a list of tools. The server lives as long as
 * the scope; calls still running when it closes are interrupted.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R>(tools: ReadonlyArray<Tool<R>>): Effect.Effect<Server, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const byName = new Map(tools.map((t) => [t.name, t]))
    const runFork = yield* FiberSet.makeRuntime<R>()
    const server = new Server(
      { name: "llm-cli-gateway", version: VERSION },
      { capabilities: { tools: { listChanged: false } }, instructions }
    )

    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: tools.map((t) => ({
        name: t.name,
        description: t.description,
        inputSchema: t.inputSchema as { type: "object"; [k: string]: unknown },
        annotations: t.annotations
      }))
    }))

    server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
      const tool = byName.get(request.params.name)
      if (tool === undefined) {
        throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`)
      }
      const token = request.params._meta?.progressToken
      const context: CallContext = token === undefined ? {} : {
        reportProgress: (p) =>
          Effect.promise(() =>
            extra.sendNotification({
              method: "notifications/progress",
              params: {
                progressToken: token,
                progress: p.progress,
                ...(p.total !== undefined ? { total: p.total } : {}),
                ...(p.message !== undefined ? { message: p.message } : {})
              }
            }).catch(() => undefined)
          )
      }
      const program = tool.call(request.params.arguments, context).pipe(
        Effect.match({ onFailure: Results.failure, onSuccess: Results.success }),
        Effect.tapDefect((cause) => Effect.logError(`tool ${tool.name} died`, cause)),
        Effect.annotateLogs({ tool: tool.name })
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

    return server
  })

/**
 * Serves the tools on a transport until the transport closes (or the
 * scope does).
 *
 * @since 0.1.0
 */
export const serve = <R>(
  tools: ReadonlyArray<Tool<R>>,
  transport: Transport
): Effect.Effect<void, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const server = yield* make(tools)
    const closed = Effect.async<void>((resume) => {
      server.onclose = () => resume(Effect.void)
    })
    yield* Effect.acquireRelease(
      Effect.promise(() => server.connect(transport)),
      () => Effect.promise(() => server.close()).pipe(Effect.ignore)
    )
    yield* closed
  })

/**
 * Serves the tools on this process's stdin and stdout until stdin ends.
 *
 * @since 0.1.0
 */
export const serveStdio = <R>(tools: ReadonlyArray<Tool<R>>): Effect.Effect<void, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const transport = new StdioServerTransport()
    const stdinEnded = Effect.async<void>((resume) => {
      const done = () => resume(Effect.void)
      process.stdin.once("end", done)
      process.stdin.once("close", done)
      return Effect.sync(() => {
        process.stdin.off("end", done)
        process.stdin.off("close", done)
      })
    })
    yield* Effect.raceFirst(serve(tools, transport), stdinEnded)
  })
