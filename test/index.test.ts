/**
 * The library's public face: what README shows works as written.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { readFileSync } from "node:fs"
import {
  CircuitBreaker,
  CliIdentity,
  CommandRunner,
  GatewayConfig,
  Providers,
  RequestRunner,
  VERSION
} from "../src/index.js"

describe("library", () => {
  it("VERSION is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(VERSION).toBe(pkg.version)
  })

  it.effect("README's example: a RequestRunner over a scripted CommandRunner spawns nothing and parses the reply", () => {
    const seen: Array<ReadonlyArray<string>> = []
    const fake = CommandRunner.layerTest((spec) =>
      Effect.sync(() => {
        seen.push(spec.args)
        return { stdout: "{\"type\":\"result\",\"subtype\":\"success\",\"result\":\"ok\",\"session_id\":\"s1\"}\n" }
      })
    )
    const testLayer = RequestRunner.layer.pipe(
      Layer.provide(Layer.mergeAll(fake, Providers.layer, CliIdentity.layerTrusting, CircuitBreaker.layerDisabled)),
      Layer.provide(GatewayConfig.layerTest())
    )
    return Effect.gen(function*() {
      const runner = yield* RequestRunner.RequestRunner
      const outcome = yield* runner.run("claude", {
        prompt: "Review src/index.ts",
        createNewSession: false,
        continueSession: false,
        outputFormat: "text",
        approvalStrategy: "legacy",
        mcpServers: [],
        dangerouslySkipPermissions: false,
        strictMcpConfig: false,
        optimizePrompt: false,
        forceRefresh: false
      })
      expect(outcome.text).toBe("ok")
      expect(outcome.sessionId).toBe("s1")
      expect(seen).toHaveLength(1)
      expect(seen[0]).toContain("-p")
    }).pipe(Effect.provide(testLayer))
  })
})
