/**
 * The configuration layers: `layerFrom` gives the production defaults (not
 * the test ones of `layerTest`) with the overrides, and reads no
 * environment.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { homedir } from "node:os"
import { join } from "node:path"
import * as GatewayConfig from "../src/Config.js"

const read = Effect.flatMap(GatewayConfig.GatewayConfig, Effect.succeed)

describe("GatewayConfig.layerFrom", () => {
  it.effect("the production defaults, with the overrides given", () =>
    Effect.gen(function*() {
      const config = yield* read.pipe(Effect.provide(GatewayConfig.layerFrom({ maxRunMs: 1_234 })))
      expect(config.databasePath).toBe(join(homedir(), ".llm-cli-gateway", "gateway.db"))
      expect(config.mcpServersPath).toBe(join(homedir(), ".llm-cli-gateway", "mcp-servers.json"))
      expect(config.models.discovery).toBe(true)
      expect(config.maxRunMs).toBe(1_234)
      // What layerTest gives instead: test values.
      const test = yield* read.pipe(Effect.provide(GatewayConfig.layerTest()))
      expect(test.databasePath).toBe(":memory:")
      expect(test.models.discovery).toBe(false)
    }))

  it.effect("reads no environment: a variable set in the ConfigProvider changes nothing", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromMap(new Map([["LLM_GATEWAY_MAX_RUN_MS", "5"], ["LLM_GATEWAY_HOME", "/elsewhere"]]))
      const fromEnv = yield* read.pipe(Effect.provide(GatewayConfig.layer), Effect.withConfigProvider(provider))
      expect(fromEnv.maxRunMs).toBe(5)
      const inCode = yield* read.pipe(Effect.provide(GatewayConfig.layerFrom()), Effect.withConfigProvider(provider))
      expect(inCode.maxRunMs).toBe(3_600_000)
      expect(inCode.databasePath.startsWith("/elsewhere")).toBe(false)
    }))
})
