/**
 * RequestRunner as a library entry point: a typed request handed to it
 * directly (not decoded by a tool) is still checked before any argv exists.
 */
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as GatewayConfig from "../../src/Config.js"
import type { Cli } from "../../src/domain/Cli.js"
import * as RequestRunner from "../../src/jobs/RequestRunner.js"
import { type CommandSpec, layerTest } from "../../src/process/CommandRunner.js"
import * as Providers from "../../src/providers/Providers.js"
import * as CircuitBreaker from "../../src/resilience/CircuitBreaker.js"
import type { RequestOf } from "../../src/providers/Providers.js"

const base = {
  prompt: "hello",
  createNewSession: false,
  approvalStrategy: "legacy" as const,
  mcpServers: [],
  optimizePrompt: false,
  forceRefresh: false
}

const requests: { readonly [C in Cli]: RequestOf[C] } = {
  claude: {
    ...base,
    continueSession: false,
    outputFormat: "text",
    dangerouslySkipPermissions: false,
    strictMcpConfig: false
  },
  codex: { ...base, fullAuto: false, dangerouslyBypassApprovalsAndSandbox: false, resumeLatest: false },
  gemini: { ...base, outputFormat: "text", resumeLatest: false },
  grok: { ...base, outputFormat: "plain", resumeLatest: false }
} as unknown as { readonly [C in Cli]: RequestOf[C] }

const setup = () => {
  const specs: Array<CommandSpec> = []
  const runner = layerTest((spec) => Effect.sync(() => (specs.push(spec), { stdout: "" })))
  const layer = RequestRunner.layer.pipe(
    Layer.provide(Layer.mergeAll(runner, Providers.layer, CliIdentity.layerTrusting, CircuitBreaker.layerDisabled)),
    Layer.provide(GatewayConfig.layerTest({}))
  )
  return { specs, layer }
}

describe("RequestRunner", () => {
  for (const cli of ["claude", "codex", "gemini", "grok"] as const) {
    for (const [field, value] of [["model", "--help"], ["model", "; rm -rf /"], ["sessionId", "../../etc/passwd"]] as const) {
      it.effect(`${cli}: a ${field} of ${JSON.stringify(value)} handed to the library is refused before any run`, () => {
        const { layer, specs } = setup()
        return Effect.gen(function*() {
          const runner = yield* RequestRunner.RequestRunner
          const error = yield* Effect.flip(runner.run(cli, { ...requests[cli], [field]: value } as RequestOf[typeof cli]))
          expect(error._tag).toBe("InvalidRequest")
          expect(error).toMatchObject({ field })
          expect(specs).toHaveLength(0)
        }).pipe(Effect.provide(layer))
      })
    }
  }

  it.effect("a valid request handed to the library plans and runs", () => {
    const { layer, specs } = setup()
    return Effect.gen(function*() {
      const runner = yield* RequestRunner.RequestRunner
      const planned = yield* runner.plan("claude", { ...requests.claude, model: "claude-sonnet-4-5" })
      expect(planned.invocation.args).toContain("claude-sonnet-4-5")
      expect(specs).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("claude's event stream is read as it arrives (the runner keeps no raw copy) unless the raw stream is asked for", () => {
    const { layer, specs } = setup()
    return Effect.gen(function*() {
      const runner = yield* RequestRunner.RequestRunner
      yield* Effect.either(runner.run("claude", requests.claude))
      yield* Effect.either(runner.run("claude", { ...requests.claude, outputFormat: "stream-json" }))
      expect(specs.map((s) => s.keepStdout)).toEqual([false, true])
    }).pipe(Effect.provide(layer))
  })
})
