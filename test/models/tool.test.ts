import { allClis } from "../../src/domain/Cli.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { listModels, modelTools } from "../../src/mcp/tools/models.js"
import * as ModelConfig from "../../src/models/config.js"
import { fallbackModels } from "../../src/models/fallbacks.js"
import * as ModelRegistry from "../../src/models/ModelRegistry.js"
import { configFrom, fixture, HISTORY_FIXTURE } from "./helpers.js"

const layerOf = (env: Record<string, string>) =>
  Effect.map(configFrom(env), (config) => ModelRegistry.layerFrom(config))

const call = (env: Record<string, string>, args: unknown) =>
  Effect.flatMap(layerOf(env), (layer) => Effect.provide(listModels.call(args), layer))

describe("list_models", () => {
  it("is the one model tool, read-only, with 1.4.0's cli parameter (and grok)", () => {
    expect(modelTools.map((t) => t.name)).toEqual(["list_models"])
    expect(listModels.annotations.readOnlyHint).toBe(true)
    expect(listModels.inputSchema).toMatchObject({
      type: "object",
      properties: { cli: { type: "string", enum: [...allClis] } },
      additionalProperties: false
    })
    expect((listModels.inputSchema as { required?: unknown }).required ?? []).toEqual([])
  })

  it.effect("answers every CLI with a table and the same facts as data", () =>
    Effect.gen(function*() {
      const answer = yield* call({
        CLAUDE_DEFAULT_MODEL: "haiku",
        CLAUDE_MODEL_ALIASES: "fast=haiku",
        CODEX_CONFIG_PATH: fixture("codex", "malformed.toml"),
        GEMINI_HISTORY_ROOT: HISTORY_FIXTURE,
        LLM_GATEWAY_MODEL_ALIASES: "oops=x"
      }, {})
      const clis = answer.structured.clis as Record<string, ModelRegistry.CliModels>
      expect(Object.keys(clis)).toEqual(allClis)
      expect(clis.claude!.defaultModel).toBe("haiku")
      expect(clis.claude!.defaultModelSource).toBe("env")
      expect(clis.claude!.aliases).toEqual([{ alias: "fast", model: "haiku", origin: "CLAUDE_MODEL_ALIASES" }])
      expect(clis.codex!.warnings[0]).toContain("is not valid TOML")
      expect(clis.gemini!.models.some((m) => m.source === "observed")).toBe(true)
      expect(answer.structured.warnings).toHaveLength(1)
      // Data survives JSON (what the client receives).
      expect(JSON.parse(JSON.stringify(answer.structured))).toEqual(answer.structured)

      const text = answer.text
      expect(text).toContain("claude — default: haiku (env, CLAUDE_DEFAULT_MODEL)")
      expect(text).toMatch(/\n {2}\* haiku +env +high/)
      expect(text).toContain("aliases: fast → haiku")
      expect(text).toContain("codex — default: none configured (the CLI picks its own)")
      expect(text).toMatch(/warning: codex config .* is not valid TOML/)
      expect(text).toMatch(/gemini-2\.5-flash-lite +observed +low/)
      expect(text).toContain("history: 3 file(s) scanned")
      expect(text).toContain("warning: LLM_GATEWAY_MODEL_ALIASES")
    }))

  it.effect("answers one CLI when asked", () =>
    Effect.gen(function*() {
      const answer = yield* call({}, { cli: "grok" })
      const clis = answer.structured.clis as Record<string, ModelRegistry.CliModels>
      expect(Object.keys(clis)).toEqual(["grok"])
      expect(clis.grok!.models.map((m) => m.name)).toEqual(fallbackModels.grok.map((m) => m.name))
      expect(answer.text.startsWith("grok — default: none configured")).toBe(true)
      expect(answer.text).not.toContain("claude")
    }))

  it.effect("refuses a CLI it does not know", () =>
    Effect.gen(function*() {
      const layer = ModelRegistry.layerFrom(ModelConfig.make({
        paths: {
          claudeSettings: fixture("absent", "a"),
          claudeSettingsLocal: fixture("absent", "b"),
          codexConfig: fixture("absent", "c"),
          geminiSettings: fixture("absent", "d"),
          geminiHistoryRoot: fixture("absent", "e")
        }
      }))
      const error = yield* Effect.flip(Effect.provide(listModels.call({ cli: "mistral" }), layer))
      expect(error._tag).toBe("InvalidRequest")
      if (error._tag === "InvalidRequest") expect(error.field).toBe("cli")
    }))
})
