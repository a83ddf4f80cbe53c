import { describe, expect, it } from "@effect/vitest"
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ClientLogging from "../../src/mcp/clientLogging.js"

/** Only the client logger: the default one would print every line of these tests. */
const only = (logging: ClientLogging.ClientLoggingShape) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(ClientLogging.withLogger(logging), Effect.provide(Logger.remove(Logger.defaultLogger)))

const effectLevels = [LogLevel.Trace, LogLevel.Debug, LogLevel.Info, LogLevel.Warning, LogLevel.Error, LogLevel.Fatal]

/** A stand-in for the SDK server: records handlers and sends; each send answers as `answer` says. */
const fakeServer = (answer: () => Promise<void>) => {
  const sent: Array<ClientLogging.LoggingMessage> = []
  let setLevel: ((request: { params: { level: ClientLogging.McpLevel } }) => unknown) | undefined
  const server = {
    setRequestHandler: (_schema: unknown, handler: typeof setLevel) => {
      setLevel = handler
    },
    sendLoggingMessage: (message: ClientLogging.LoggingMessage) => {
      sent.push(message)
      return answer()
    }
  } as unknown as Server
  return { server, sent, setLevel: (level: ClientLogging.McpLevel) => setLevel!({ params: { level } }) }
}

describe("level mapping", () => {
  it("a line passes the Effect threshold of an MCP level exactly when its MCP level is at or above it", () => {
    for (const threshold of ClientLogging.mcpLevels) {
      for (const level of effectLevels) {
        const byEffect = LogLevel.greaterThanEqual(level, ClientLogging.toEffectLevel(threshold))
        const byMcp = ClientLogging.mcpLevels.indexOf(ClientLogging.fromEffectLevel(level)) >=
          ClientLogging.mcpLevels.indexOf(threshold)
        expect(byEffect, `${level._tag} at ${threshold}`).toBe(byMcp)
      }
    }
  })

  it("the common levels map one to one", () => {
    expect(ClientLogging.toEffectLevel("info")).toBe(LogLevel.Info)
    expect(ClientLogging.toEffectLevel("warning")).toBe(LogLevel.Warning)
    expect(ClientLogging.toEffectLevel("error")).toBe(LogLevel.Error)
    expect(ClientLogging.fromEffectLevel(LogLevel.Info)).toBe("info")
    expect(ClientLogging.fromEffectLevel(LogLevel.Debug)).toBe("debug")
  })
})

describe("the client logger", () => {
  it.scopedLive("sends nothing before setLevel; then the lines at or above the level, with annotations and the cause's message", () =>
    Effect.gen(function*() {
      const fake = fakeServer(() => Promise.resolve())
      const logging = yield* ClientLogging.make
      logging.attach(fake.server)
      const program = Effect.gen(function*() {
        yield* Effect.logWarning("before any level")
        fake.setLevel("warning")
        yield* Effect.logInfo("too low")
        yield* Effect.logWarning("kept", 42).pipe(Effect.annotateLogs({ jobId: "j-1" }))
        yield* Effect.logError("failed", Cause.fail(new Error("disk full")))
      }).pipe(only(logging))
      yield* program
      yield* Effect.sleep("50 millis")
      expect(logging.level()).toBe("warning")
      expect(fake.sent).toEqual([
        { level: "warning", logger: "llm-cli-gateway", data: { message: "kept 42", annotations: { jobId: "j-1" } } },
        { level: "error", logger: "llm-cli-gateway", data: { message: "failed", cause: "disk full" } }
      ])
    }))

  it.scopedLive("a client that never answers neither blocks nor fails the code that logs", () =>
    Effect.gen(function*() {
      const fake = fakeServer(() => new Promise<void>(() => {}))
      const logging = yield* ClientLogging.make
      logging.attach(fake.server)
      fake.setLevel("debug")
      const start = Date.now()
      yield* Effect.forEach(
        Array.from({ length: ClientLogging.QUEUE_CAPACITY * 4 }, (_, i) => i),
        (i) => Effect.logInfo(`line ${i}`)
      ).pipe(only(logging))
      expect(Date.now() - start).toBeLessThan(2000)
      yield* Effect.sleep("20 millis")
      // One send hangs; the rest wait in the bounded queue or were dropped.
      expect(fake.sent).toHaveLength(1)
    }))

  it.scopedLive("a send that fails is given up and the next line still goes", () =>
    Effect.gen(function*() {
      let calls = 0
      const fake = fakeServer(() => (++calls === 1 ? Promise.reject(new Error("Not connected")) : Promise.resolve()))
      const logging = yield* ClientLogging.make
      logging.attach(fake.server)
      fake.setLevel("info")
      yield* Effect.all([Effect.logInfo("first"), Effect.logInfo("second")]).pipe(only(logging))
      yield* Effect.sleep("50 millis")
      expect(fake.sent.map((m) => m.data.message)).toEqual(["first", "second"])
    }))
})

describe("clientLogging secrets", () => {
  it("a secret in the message, an annotation or the cause reaches the client redacted", () => {
    const key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"
    const message = ClientLogging.toMessage({
      fiberId: undefined as never,
      logLevel: LogLevel.Error,
      message: [`request failed with ${key}`],
      cause: Cause.fail(new Error(`Authorization: Bearer ${key}`)),
      context: undefined as never,
      spans: undefined as never,
      annotations: HashMap.make(["prompt", `use ${key}`]),
      date: new Date(0)
    } as unknown as Logger.Logger.Options<unknown>)
    expect(JSON.stringify(message)).not.toContain(key)
    expect(message.data.message).toContain("[REDACTED]")
  })
})
