import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as GatewayConfig from "../../src/Config.js"
import * as Gateway from "../../src/Gateway.js"
import * as Results from "../../src/mcp/results.js"
import { tools } from "../../src/mcp/tools/index.js"
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
  const layer = Gateway.layerServicesWith(runner).pipe(
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
