import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as GatewayConfig from "../../src/Config.js"
import { allClis } from "../../src/domain/Cli.js"
import * as Gateway from "../../src/Gateway.js"
import { InvalidRequest, JobNotFound } from "../../src/domain/errors.js"
import * as Results from "../../src/mcp/results.js"
import * as Tool from "../../src/mcp/Tool.js"
import { tools } from "../../src/mcp/tools/index.js"
import { jobStatus } from "../../src/mcp/tools/jobView.js"
import { replyStructured } from "../../src/mcp/tools/requests.js"
import { type CommandSpec, layerTest } from "../../src/process/CommandRunner.js"

/** A gateway whose runner records every spawn it is asked for and answers like the CLI. */
const recording = () => {
  const specs: Array<CommandSpec> = []
  const runner = layerTest((spec) =>
    Effect.sync(() => {
      specs.push(spec)
      return { stdout: "" }
    })
  )
  const layer = Gateway.layerServicesWith(runner, CliIdentity.layerTrusting).pipe(
    Layer.provideMerge(GatewayConfig.layerTest({ databasePath: ":memory:" }))
  )
  return { specs, layer }
}

const call = (name: string, args: unknown) => {
  const tool = tools.find((t) => t.name === name)
  if (tool === undefined) throw new Error(name)
  return tool.call(args)
}

describe("request tools refuse bad input before any process starts", () => {
  const cases: ReadonlyArray<readonly [string, string, Record<string, unknown>, string]> = [
    ["a model that is an option", "claude_request", { prompt: "hi", model: "--help" }, "model"],
    ["a model with shell metacharacters", "codex_request", { prompt: "hi", model: "; rm -rf /" }, "model"],
    ["a session id with a path", "gemini_request", { prompt: "hi", sessionId: "../../etc/passwd" }, "sessionId"],
    ["a prompt with a NUL byte", "grok_request", { prompt: "a\u0000b" }, "prompt"],
    ["an empty prompt", "claude_request", { prompt: "" }, "prompt"],
    ["a prompt past the bound", "claude_request", { prompt: "x".repeat(100_001) }, "prompt"],
    ["an unknown field", "claude_request", { prompt: "hi", shell: "bash" }, "shell"],
    ["a wrong type", "codex_request", { prompt: "hi", fullAuto: "yes" }, "fullAuto"],
    ["an idle timeout below the bound", "gemini_request", { prompt: "hi", idleTimeoutMs: 10 }, "idleTimeoutMs"],
    ["a tool name that is an option", "claude_request", { prompt: "hi", allowedTools: ["--yolo"] }, "allowedTools"],
    ["a directory with ..", "gemini_request", { prompt: "hi", includeDirs: ["../secrets"] }, "includeDirs"],
    ["a directory that is an option", "gemini_request", { prompt: "hi", includeDirs: ["--all"] }, "includeDirs"],
    ["an enum value 1.4.0 does not have", "grok_request", { prompt: "hi", effort: "extreme" }, "effort"],
    ["a missing prompt", "claude_request", {}, "prompt"]
  ]
  for (const [what, tool, args, field] of cases) {
    it.effect(`${what} (${tool}) is an InvalidRequest naming ${field}`, () => {
      const { layer, specs } = recording()
      return Effect.gen(function*() {
        const error = yield* Effect.flip(call(tool, args))
        expect(error._tag).toBe("InvalidRequest")
        if (error._tag !== "InvalidRequest") return
        expect(error.field).toBe(field)
        expect(error.message).toContain(field)
        expect(specs).toHaveLength(0)
        const result = Results.failure(error)
        expect(result.isError).toBe(true)
        expect((result.structuredContent?.error as { _tag: string })._tag).toBe("InvalidRequest")
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a prompt that looks like a flag is delivered as prompt text, never in argv", () => {
    const { layer, specs } = recording()
    return Effect.gen(function*() {
      for (const name of ["claude_request", "codex_request", "gemini_request", "grok_request"]) {
        yield* Effect.either(call(name, { prompt: "--dangerously-skip-permissions" }))
      }
      expect(specs).toHaveLength(4)
      for (const spec of specs) {
        expect(spec.args).not.toContain("--dangerously-skip-permissions")
      }
      expect(specs.filter((s) => s.stdin === "--dangerously-skip-permissions")).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })
})

describe("structured output", () => {
  // The SDK's Client compiles outputSchema with ajv (strict: false); strict mode here also catches unknown keywords.
  const ajv = new Ajv({ strict: true, allErrors: true })
  const failures = [
    Results.failure(new InvalidRequest({ message: "bad", field: "prompt" })),
    Results.failure(new JobNotFound({ message: "no such job", jobId: "00000000-0000-0000-0000-000000000000" })),
    Results.defect(Cause.die(new Error("boom"))),
    Results.defect(Cause.interrupt(FiberId.none))
  ]

  it("every tool declares an outputSchema of type object that ajv compiles, with no $ref", () => {
    expect(tools).toHaveLength(2 * allClis.length + 15)
    for (const tool of tools) {
      const schema = tool.outputSchema
      expect(schema.type, tool.name).toBe("object")
      expect(JSON.stringify(schema), tool.name).not.toMatch(/"\$ref"|"\$id"|"\$schema"/)
      expect(() => ajv.compile(schema), tool.name).not.toThrow()
    }
  })

  it("every tool's outputSchema admits the error envelope of a failed call (the SDK Client validates it too)", () => {
    for (const tool of tools) {
      const validate = ajv.compile(tool.outputSchema)
      for (const result of failures) {
        expect(result.isError).toBe(true)
        expect(validate(result.structuredContent), `${tool.name}: ${ajv.errorsText(validate.errors)}`).toBe(true)
      }
      // And it is no catch-all: an object that is neither an answer nor an error is refused.
      expect(validate({ unexpected: true }), tool.name).toBe(false)
    }
  })

  it("a sync request's outputSchema admits both the reply and the deferred job reference", () => {
    const validate = ajv.compile(tools.find((t) => t.name === "claude_request")!.outputSchema)
    const job = {
      id: "6f1c2d3e-0000-4000-8000-000000000001",
      cli: "claude" as const,
      requestKey: "k",
      argv: [],
      cwd: "/",
      correlationId: "c",
      outputFormat: "json",
      status: "running" as const,
      ownerInstance: "i",
      principal: "local",
      createdAt: 1_700_000_000_000,
      startedAt: 1_700_000_000_100,
      finishedAt: null,
      exitCode: null,
      signal: null,
      error: null,
      reply: null,
      pid: 42,
      stdoutBytes: 10,
      stderrBytes: 0,
      stdoutChars: 10,
      stderrChars: 0,
      outputTruncated: false,
      cancelRequestedAt: null
    }
    const deferred = { ...jobStatus(job, { deduped: false }), deferred: true }
    expect(validate(deferred), ajv.errorsText(validate.errors)).toBe(true)
    const done = { ...job, status: "completed" as const, finishedAt: 1_700_000_001_000, exitCode: 0 }
    const reply = replyStructured(
      { ...done, reply: { chars: 5, sessionId: "s-1", usage: { inputTokens: 3 } } } as Parameters<typeof replyStructured>[0],
      false,
      "hello"
    )
    expect(validate(reply), ajv.errorsText(validate.errors)).toBe(true)
    // It names the fields a caller acts on, with their types.
    expect(validate({ ...reply, deferred: "yes" })).toBe(false)
    const { jobId: _jobId, ...withoutJob } = reply
    expect(validate(withoutJob)).toBe(false)
  })

  const Stamped = Schema.Struct({ at: Schema.DateFromNumber, label: Schema.String })
  const stamped = (value: typeof Stamped.Type) =>
    Tool.make({
      name: "stamped",
      description: "test",
      input: Schema.Struct({}),
      output: Stamped,
      annotations: Tool.readOnly("test"),
      handler: () => Effect.succeed({ text: "ok", structured: value })
    })

  it.effect("the handler's typed answer is encoded by the output Schema into structured (extra fields dropped)", () =>
    Effect.gen(function*() {
      const answer = yield* stamped({ at: new Date(1000), label: "x", extra: 1 } as typeof Stamped.Type).call({})
      expect(answer).toEqual({ text: "ok", structured: { at: 1000, label: "x" } })
      expect(Results.success(answer).structuredContent).toEqual({ at: 1000, label: "x" })
    }))

  it.effect("an answer its own output Schema refuses is a defect, not a typed failure", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(stamped({ at: new Date(1000), label: 7 as unknown as string }).call({}))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    }))

  it("the output JSON Schema is derived on first use, not when the tool is declared", () => {
    // A Schema without a JSON Schema rendering: deriving it throws, declaring the tool must not.
    const opaque = Schema.Struct({ value: Schema.declare((u): u is symbol => typeof u === "symbol") })
    const tool = Tool.make({
      name: "opaque",
      description: "test",
      input: Schema.Struct({}),
      output: opaque,
      annotations: Tool.readOnly("test"),
      handler: () => Effect.succeed({ text: "", structured: { value: Symbol.for("x") } })
    })
    expect(tool.name).toBe("opaque")
    expect(() => tool.outputSchema).toThrow()
  })
})

describe("arguments nested very deeply", () => {
  const deep = (levels: number): unknown => {
    let v: unknown = "x"
    for (let i = 0; i < levels; i++) v = { a: v }
    return v
  }

  it("nestsDeeperThan measures without recursion", () => {
    // Four levels: the object, a, b, and the object in b.
    expect(Tool.nestsDeeperThan({ a: { b: [1, { c: 2 }] } }, 4)).toBe(false)
    expect(Tool.nestsDeeperThan({ a: { b: [1, { c: 2 }] } }, 3)).toBe(true)
    expect(Tool.nestsDeeperThan(deep(200_000), 32)).toBe(true)
    expect(Tool.nestsDeeperThan("text", 0)).toBe(false)
  })

  it.effect("are refused with InvalidRequest, not a stack overflow", () =>
    Effect.gen(function*() {
      const { layer } = recording()
      const error = yield* Effect.flip(call("claude_request", { prompt: "hi", model: deep(200_000) })).pipe(Effect.provide(layer))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("nest deeper than 32 levels")
    }))
})
