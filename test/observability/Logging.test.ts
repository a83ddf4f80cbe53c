/**
 * Logging: the level and format from the environment, annotations as
 * key=value or JSON, secrets redacted, lines below the level dropped.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as GatewayConfig from "../../src/Config.js"
import * as Logging from "../../src/observability/Logging.js"
import { vi } from "vitest"

// Secret-named variables of the server's environment with values of no known shape.
vi.hoisted(() => {
  process.env.SOME_SERVICE_TOKEN = "hunter2hunter2"
  process.env.DATABASE_PASSWORD = "pa\"ss w0rd\\x"
})

const fromEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(GatewayConfig.config, ConfigProvider.fromMap(new Map(Object.entries(env))))

/** Runs `program` under the logging layer configured from `env`, and returns the lines written. */
const capture = (env: Record<string, string>, program: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const config = yield* fromEnv(env)
    yield* program.pipe(
      Effect.provide(Logging.layerWith((line) => lines.push(line)).pipe(Layer.provide(GatewayConfig.layerTest(config))))
    )
    return lines
  })

const story = Effect.gen(function*() {
  yield* Effect.logDebug("debug detail")
  yield* Effect.logInfo("request completed")
  yield* Effect.logWarning("stderr said: OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz012345")
}).pipe(Effect.annotateLogs({ correlationId: "c-1", jobId: "j-1" }))

describe("logging configuration", () => {
  it.effect("the level: info by default, debug with DEBUG, LLM_GATEWAY_LOG_LEVEL wins", () =>
    Effect.gen(function*() {
      expect((yield* fromEnv({})).logLevel).toBe(LogLevel.Info)
      expect((yield* fromEnv({ DEBUG: "1" })).logLevel).toBe(LogLevel.Debug)
      expect((yield* fromEnv({ DEBUG: "llm-cli-gateway:*" })).logLevel).toBe(LogLevel.Debug)
      expect((yield* fromEnv({ DEBUG: "false" })).logLevel).toBe(LogLevel.Info)
      expect((yield* fromEnv({ DEBUG: "1", LLM_GATEWAY_LOG_LEVEL: "Warning" })).logLevel).toBe(LogLevel.Warning)
      expect((yield* fromEnv({ LLM_GATEWAY_LOG_LEVEL: "warn" })).logLevel).toBe(LogLevel.Warning)
      expect((yield* fromEnv({ LLM_GATEWAY_LOG_LEVEL: "None" })).logLevel).toBe(LogLevel.None)
      expect((yield* fromEnv({ LLM_GATEWAY_LOG_LEVEL: "error" })).logLevel).toBe(LogLevel.Error)
      expect(yield* Effect.flip(fromEnv({ LLM_GATEWAY_LOG_LEVEL: "loud" }))).toBeDefined()
    }))

  it.effect("the format: logfmt by default, json on request, anything else refused", () =>
    Effect.gen(function*() {
      expect((yield* fromEnv({})).logFormat).toBe("logfmt")
      expect((yield* fromEnv({ LLM_GATEWAY_LOG_FORMAT: "json" })).logFormat).toBe("json")
      expect(yield* Effect.flip(fromEnv({ LLM_GATEWAY_LOG_FORMAT: "xml" }))).toBeDefined()
    }))

  it.effect("content recording: on by default, off with LLM_GATEWAY_RECORD_CONTENT=false", () =>
    Effect.gen(function*() {
      expect((yield* fromEnv({})).recordContent).toBe(true)
      expect((yield* fromEnv({ LLM_GATEWAY_RECORD_CONTENT: "false" })).recordContent).toBe(false)
      expect((yield* fromEnv({ LLM_GATEWAY_RECORD_MAX_CHARS: "100" })).recordMaxChars).toBe(100)
    }))
})

describe("log lines", () => {
  it.effect("logfmt: annotations as key=value, debug dropped at info, secrets redacted", () =>
    Effect.gen(function*() {
      const lines = yield* capture({}, story)
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(/level=INFO .*message="request completed"/)
      expect(lines[0]).toContain("correlationId=c-1")
      expect(lines[0]).toContain("jobId=j-1")
      expect(lines[1]).toContain("level=WARN")
      expect(lines[1]).toContain("OPENAI_API_KEY=[REDACTED]")
      expect(lines.join("\n")).not.toContain("sk-abcdefghijklmnop")
    }))

  it.effect("DEBUG=1 writes the debug lines too", () =>
    Effect.gen(function*() {
      const lines = yield* capture({ DEBUG: "1" }, story)
      expect(lines).toHaveLength(3)
      expect(lines[0]).toContain("level=DEBUG")
    }))

  it.effect("json: one valid JSON object per line, annotations as fields, secrets redacted", () =>
    Effect.gen(function*() {
      const lines = yield* capture({ LLM_GATEWAY_LOG_FORMAT: "json" }, story)
      expect(lines).toHaveLength(2)
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, any>)
      expect(parsed[0]).toMatchObject({
        message: "request completed",
        logLevel: "INFO",
        annotations: { correlationId: "c-1", jobId: "j-1" }
      })
      expect(parsed[1]!.message).toBe("stderr said: OPENAI_API_KEY=[REDACTED]")
    }))

  it.effect("the values of the environment's secrets are redacted in both formats, even as the format escapes them", () =>
    Effect.gen(function*() {
      const secretStory = Effect.gen(function*() {
        yield* Effect.logWarning("the CLI said: hunter2hunter2 refused")
        yield* Effect.logError("db said: pa\"ss w0rd\\x is wrong")
        yield* Effect.logInfo("annotated").pipe(Effect.annotateLogs({ stderrTail: "token=hunter2hunter2" }))
      })
      for (const format of [{}, { LLM_GATEWAY_LOG_FORMAT: "json" }]) {
        const lines = yield* capture(format, secretStory)
        const text = lines.join("\n")
        expect(lines).toHaveLength(3)
        expect(text).not.toContain("hunter2hunter2")
        expect(text).not.toContain("w0rd")
        expect(text).toContain("[REDACTED]")
      }
    }))

  it("the stderr logger never writes to stdout", () => {
    const written: Array<string> = []
    const original = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk))
      return true
    }) as typeof process.stdout.write
    const originalErr = process.stderr.write.bind(process.stderr)
    process.stderr.write = (() => true) as typeof process.stderr.write
    try {
      Effect.runSync(
        Effect.logInfo("to stderr").pipe(
          Effect.provide(Logging.layer.pipe(Layer.provide(GatewayConfig.layerTest())))
        )
      )
    } finally {
      process.stdout.write = original
      process.stderr.write = originalErr
    }
    expect(written).toEqual([])
  })
})
