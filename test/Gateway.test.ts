/**
 * The server core on a transport it does not know: the MCP SDK's in-memory
 * pair, a client on one end and `Gateway.serveTransportWith` on the other,
 * with a scripted CommandRunner (nothing is spawned).
 */
import { describe, expect, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Equal from "effect/Equal"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CliIdentity from "../src/cli/CliIdentity.js"
import * as GatewayConfig from "../src/Config.js"
import { StorageError } from "../src/domain/errors.js"
import * as Gateway from "../src/Gateway.js"
import { layerTest } from "../src/process/CommandRunner.js"

describe("Gateway.serveTransportWith", () => {
  it.live("serves the tools and a request over an in-memory transport, and ends when the client closes it", () =>
    Effect.gen(function*() {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
      const seen: Array<ReadonlyArray<string>> = []
      const runner = layerTest((spec) =>
        Effect.sync(() => {
          seen.push(spec.args)
          return { stdout: '{"type":"result","subtype":"success","result":"pong","session_id":"s1"}\n' }
        })
      )
      const services = Gateway.layerServicesWith(runner, CliIdentity.layerTrusting)
      const server = yield* Effect.fork(Gateway.serveTransportWith(services, serverSide))
      const client = new Client({ name: "in-memory", version: "1.0.0" })
      yield* Effect.promise(() => client.connect(clientSide))
      const listed = yield* Effect.promise(() => client.listTools())
      expect(listed.tools.map((t) => t.name)).toContain("claude_request")
      const result = yield* Effect.promise(() =>
        client.callTool({ name: "claude_request", arguments: { prompt: "ping" } })
      )
      expect(result.isError).toBeFalsy()
      expect((result.structuredContent as { text?: string }).text).toBe("pong")
      expect(seen).toHaveLength(1)
      yield* Effect.promise(() => client.close())
      yield* Fiber.join(server)
    }).pipe(Effect.provide(GatewayConfig.layerTest({ databasePath: ":memory:" }))))
})

describe("the app's logger", () => {
  /** Whatever reaches stdout (or console.log, which writes there) while `effect` runs. */
  const stdoutDuring = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        const written: Array<string> = []
        const write = process.stdout.write
        const log = console.log
        const info = console.info
        const debug = console.debug
        process.stdout.write = ((chunk: unknown) => (written.push(String(chunk)), true)) as typeof write
        console.log = console.info = console.debug = (...args: Array<unknown>) => void written.push(args.join(" "))
        return { written, restore: () => Object.assign(console, { log, info, debug }) && (process.stdout.write = write) }
      }),
      ({ written }) => Effect.as(effect, written),
      ({ restore }) => Effect.sync(restore)
    )

  const serveOnce = Effect.gen(function*() {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    const runner = layerTest(() =>
      Effect.succeed({ stdout: '{"type":"result","subtype":"success","result":"pong","session_id":"s1"}\n' })
    )
    const services = Gateway.layerServicesWith(runner, CliIdentity.layerTrusting)
    const server = yield* Effect.fork(Gateway.serveTransportWith(services, serverSide))
    const client = new Client({ name: "in-memory", version: "1.0.0" })
    yield* Effect.promise(() => client.connect(clientSide))
    const result = yield* Effect.promise(() => client.callTool({ name: "claude_request", arguments: { prompt: "ping" } }))
    expect(result.isError).toBeFalsy()
    // The job's end is logged once the answer has gone (in the event loop's next turn).
    yield* Effect.sleep("100 millis")
    yield* Effect.promise(() => client.close())
    yield* Fiber.join(server)
  })

  it.live("an app's own logger gets the gateway's log lines, and nothing reaches stdout", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const appLogger = Logger.make(({ logLevel, message }) => {
        lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
      })
      const written = yield* stdoutDuring(
        serveOnce.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, appLogger)))
      )
      expect(lines).toContain("INFO request completed")
      expect(written).toEqual([])
    }).pipe(Effect.provide(GatewayConfig.layerTest({ databasePath: ":memory:" }))))

  it.live("with Effect's default logger (which writes to stdout) the gateway's lines go to stderr instead", () =>
    Effect.gen(function*() {
      const errors: Array<string> = []
      const error = console.error
      console.error = (...args: Array<unknown>) => void errors.push(args.join(" "))
      const written = yield* stdoutDuring(serveOnce).pipe(Effect.ensuring(Effect.sync(() => (console.error = error))))
      expect(written).toEqual([])
      expect(errors.some((line) => line.includes("request completed"))).toBe(true)
    }).pipe(Effect.provide(GatewayConfig.layerTest({ databasePath: ":memory:" }))))

  it.live("Gateway.layer leaves the app's loggers as they are; layerWithLogging puts the gateway's own on stderr", () =>
    Effect.gen(function*() {
      const appLogger = Logger.make(() => {})
      const env = new Map([
        ["LLM_GATEWAY_HOME", mkdtempSync(join(tmpdir(), "gateway-layer-"))],
        ["LLM_GATEWAY_JOBS_DB", ":memory:"],
        ["LLM_GATEWAY_DISABLE_MODEL_DISCOVERY", "true"]
      ])
      const loggersWith = <ROut, E>(layer: Layer.Layer<ROut, E>) =>
        FiberRef.get(FiberRef.currentLoggers).pipe(
          Effect.provide(layer),
          Effect.provide(Logger.replace(Logger.defaultLogger, appLogger)),
          Effect.withConfigProvider(ConfigProvider.fromMap(env))
        )
      const before = yield* loggersWith(Layer.empty)
      expect(HashSet.has(before, appLogger)).toBe(true)
      const plain = yield* loggersWith(Gateway.layer)
      expect(Equal.equals(plain, before)).toBe(true)
      const own = yield* loggersWith(Gateway.layerWithLogging)
      // Logging.layer swaps out Effect's default logger only: the app's is kept, the gateway's stderr one added.
      expect(HashSet.has(own, appLogger)).toBe(true)
      expect(HashSet.size(own)).toBe(HashSet.size(before) + 1)
    }))
})

describe("Gateway.makeCore", () => {
  /** Services that count their starts and cannot start (a database that will not open). */
  const failingServices = (starts: { count: number }) =>
    Layer.effectContext(
      Effect.suspend(() => {
        starts.count++
        return Effect.fail(new StorageError({ message: "the database will not open", operation: "open" }))
      })
    )

  it.scoped("starts the services on the first call that needs them, not before", () =>
    Effect.gen(function*() {
      const starts = { count: 0 }
      const core = yield* Gateway.makeCore(failingServices(starts))
      yield* TestClock.adjust(Duration.millis(100))
      // The tool list is there without them.
      expect(core.tools.length).toBeGreaterThan(0)
      expect(core.tools.every((t) => t.inputSchema !== undefined)).toBe(true)
      expect(starts.count).toBe(0)
      const tool = core.tools.find((t) => t.name === "llm_process_health")!
      const failed = yield* Effect.flip(tool.call({}))
      expect(failed._tag).toBe("StorageError")
      expect(starts.count).toBe(1)
      // Started once: the next call has the same answer, and the delay starts nothing more.
      expect((yield* Effect.flip(tool.call({})))._tag).toBe("StorageError")
      yield* TestClock.adjust(Duration.seconds(1))
      expect(starts.count).toBe(1)
    }).pipe(Effect.provide(GatewayConfig.layerTest())))

  it.scoped("starts them on its own a moment after start (200 ms) when no call came", () =>
    Effect.gen(function*() {
      const starts = { count: 0 }
      yield* Gateway.makeCore(failingServices(starts))
      yield* TestClock.adjust(Duration.millis(199))
      expect(starts.count).toBe(0)
      yield* TestClock.adjust(Duration.millis(1))
      yield* Effect.yieldNow()
      expect(starts.count).toBe(1)
    }).pipe(Effect.provide(GatewayConfig.layerTest())))
})
