import { allClis } from "../../src/domain/Cli.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ModelConfig from "../../src/models/config.js"
import { fallbackModels } from "../../src/models/fallbacks.js"
import * as ModelRegistry from "../../src/models/ModelRegistry.js"
import { baseEnv, fixture, registryFrom } from "./helpers.js"

const listOne = (env: Record<string, string>, cli: "claude" | "codex" | "gemini" | "grok") =>
  Effect.gen(function*() {
    const registry = yield* registryFrom(env)
    const listing = yield* registry.list(cli)
    expect(listing.clis).toHaveLength(1)
    return listing.clis[0]!
  })

const model = (entry: ModelRegistry.CliModels, name: string) => entry.models.find((m) => m.name === name)

const HISTORY = fixture("gemini", "history")

describe("defaults", () => {
  it.effect("env *_DEFAULT_MODEL beats the config files", () =>
    Effect.gen(function*() {
      const claude = yield* listOne({
        CLAUDE_DEFAULT_MODEL: "haiku",
        CLAUDE_SETTINGS_PATH: fixture("claude", "settings.json")
      }, "claude")
      expect(claude.defaultModel).toBe("haiku")
      expect(claude.defaultModelSource).toBe("env")
      expect(claude.defaultModelOrigin).toBe("CLAUDE_DEFAULT_MODEL")
      expect(model(claude, "haiku")).toMatchObject({ source: "env", confidence: "high", isDefault: true })
      // The config file's model is still listed, from config, and not the default.
      expect(model(claude, "opus")).toMatchObject({ source: "config", confidence: "high", isDefault: false })
      // A bundled description beats "set in <file>".
      const bundled = (name: string) => fallbackModels.claude.find((m) => m.name === name)!.description
      expect(model(claude, "opus")!.description).toBe(bundled("opus"))
      expect(model(claude, "haiku")!.description).toBe(bundled("haiku"))
    }))

  it.effect("claude: settings.json gives the default; settings.local.json beats it", () =>
    Effect.gen(function*() {
      const one = yield* listOne({ CLAUDE_SETTINGS_PATH: fixture("claude", "settings.json") }, "claude")
      expect(one.defaultModel).toBe("opus")
      expect(one.defaultModelSource).toBe("config")
      expect(one.defaultModelOrigin).toBe(fixture("claude", "settings.json"))
      const both = yield* listOne({
        CLAUDE_SETTINGS_PATH: fixture("claude", "settings.json"),
        CLAUDE_SETTINGS_LOCAL_PATH: fixture("claude", "settings.local.json")
      }, "claude")
      expect(both.defaultModel).toBe("claude-sonnet-4-5")
      expect(both.defaultModelSource).toBe("config")
      expect(model(both, "claude-sonnet-4-5")).toMatchObject({
        source: "config",
        isDefault: true,
        description: `"model" in ${fixture("claude", "settings.local.json")}`
      })
      expect(model(both, "opus")).toMatchObject({ source: "config", isDefault: false })
      expect(both.warnings).toEqual([])
    }))

  it.effect("codex: config.toml's top-level model, and its profiles' models listed", () =>
    Effect.gen(function*() {
      const codex = yield* listOne({ CODEX_CONFIG_PATH: fixture("codex", "config.toml") }, "codex")
      expect(codex.defaultModel).toBe("gpt-5.4")
      expect(codex.defaultModelSource).toBe("config")
      expect(model(codex, "gpt-5.3-codex-spark")).toMatchObject({ source: "config", isDefault: false })
      // gpt-5.5 is a profile's model only: no longer bundled (codex 0.171.0 calls it legacy).
      expect(model(codex, "gpt-5.5")).toMatchObject({ source: "config", sources: ["config"] })
      // codex's own default is listed as a hint, never as the gateway's default.
      expect(model(codex, "gpt-6.2-sol")).toMatchObject({ source: "fallback", isDefault: false })
      expect(codex.warnings).toEqual([])
    }))

  it.effect("codex: the active profile's model is the default", () =>
    Effect.gen(function*() {
      const codex = yield* listOne({ CODEX_CONFIG_PATH: fixture("codex", "profile.toml") }, "codex")
      expect(codex.defaultModel).toBe("gpt-5.3-codex-spark")
      expect(codex.defaultModelOrigin).toBe(`${fixture("codex", "profile.toml")} [profiles.fast]`)
      expect(model(codex, "gpt-5.4")).toMatchObject({ source: "config", isDefault: false })
    }))

  it.effect("gemini: settings' model.name, or model as a string", () =>
    Effect.gen(function*() {
      const nested = yield* listOne({ GEMINI_SETTINGS_PATH: fixture("gemini", "settings.json") }, "gemini")
      expect(nested.defaultModel).toBe("gemini-2.5-flash")
      expect(nested.defaultModelSource).toBe("config")
      // gemini-2.5-flash is no longer bundled (gemini 0.61.0's flash is Gemini 3): config only.
      expect(model(nested, "gemini-2.5-flash")).toMatchObject({
        source: "config",
        sources: ["config"],
        isDefault: true
      })
      const flat = yield* listOne({ GEMINI_SETTINGS_PATH: fixture("gemini", "settings-flat.json") }, "gemini")
      expect(flat.defaultModel).toBe("gemini-2.5-pro")
      // Named by the config and bundled: config wins, and it is the default.
      expect(model(flat, "gemini-2.5-pro")).toMatchObject({
        source: "config",
        sources: ["config", "fallback"],
        isDefault: true
      })
    }))

  it.effect("fallback only: no default, every bundled model listed low-confidence", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({})
      const listing = yield* registry.list()
      expect(listing.clis.map((c) => c.cli)).toEqual(allClis)
      for (const entry of listing.clis) {
        expect(entry.defaultModel).toBeNull()
        expect(entry.defaultModelSource).toBeNull()
        expect(entry.models.map((m) => m.name)).toEqual(fallbackModels[entry.cli].map((m) => m.name))
        for (const m of entry.models) {
          expect(m).toMatchObject({ source: "fallback", confidence: "low", origin: "bundled", isDefault: false })
          expect(m.description).not.toBeNull()
        }
        expect(entry.warnings).toEqual([])
      }
      expect(listing.warnings).toEqual([])
    }))

  it.effect("a *_DEFAULT_MODEL that is an alias resolves to its model", () =>
    Effect.gen(function*() {
      const claude = yield* listOne({ CLAUDE_DEFAULT_MODEL: "deep", CLAUDE_MODEL_ALIASES: "deep=opus" }, "claude")
      expect(claude.defaultModel).toBe("opus")
      expect(model(claude, "opus")).toMatchObject({ source: "env", isDefault: true })
      expect(model(claude, "deep")).toBeUndefined()
    }))
})

describe("*_MODELS", () => {
  const formats: ReadonlyArray<readonly [string, string, string | null]> = [
    ["a list", "gemini-team-default,\ngemini-2.5-pro", null],
    ["a JSON array", `["gemini-team-default", "gemini-2.5-pro"]`, null],
    ["a JSON object", `{"gemini-team-default": "Team-approved Gemini model", "gemini-2.5-pro": ""}`, "Team-approved Gemini model"]
  ]
  for (const [what, value, description] of formats) {
    it.effect(`${what} adds env models, high confidence`, () =>
      Effect.gen(function*() {
        const gemini = yield* listOne({ GEMINI_MODELS: value }, "gemini")
        expect(model(gemini, "gemini-team-default")).toMatchObject({
          source: "env",
          confidence: "high",
          origin: "GEMINI_MODELS",
          description,
          isDefault: false
        })
        // Named by env and bundled: env wins, the bundled description fills in.
        const pro = model(gemini, "gemini-2.5-pro")!
        expect(pro).toMatchObject({ source: "env", sources: ["env", "fallback"] })
        expect(pro.description).toBe(fallbackModels.gemini.find((m) => m.name === "gemini-2.5-pro")!.description)
        // Env models come before the fallbacks.
        expect(gemini.models[0]!.name).toBe("gemini-team-default")
        expect(gemini.defaultModel).toBeNull()
      }))
  }

  it.effect("a malformed *_MODELS is a warning in the answer", () =>
    Effect.gen(function*() {
      const grok = yield* listOne({ GROK_MODELS: "{not json" }, "grok")
      expect(grok.warnings).toHaveLength(1)
      expect(grok.warnings[0]).toMatch(/^GROK_MODELS is not valid JSON/)
      expect(grok.models.map((m) => m.name)).toEqual(fallbackModels.grok.map((m) => m.name))
    }))
})

describe("aliases", () => {
  it.effect("from *_MODEL_ALIASES and LLM_GATEWAY_MODEL_ALIASES, listed and resolved", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({
        GEMINI_MODEL_ALIASES: "team=gemini-team-default",
        LLM_GATEWAY_MODEL_ALIASES: "codex.fast=gpt-5.3-codex-spark,gemini.quick=gemini-2.5-flash"
      })
      const listing = yield* registry.list()
      const gemini = listing.clis.find((c) => c.cli === "gemini")!
      expect(gemini.aliases).toEqual([
        { alias: "team", model: "gemini-team-default", origin: "GEMINI_MODEL_ALIASES" },
        { alias: "quick", model: "gemini-2.5-flash", origin: "LLM_GATEWAY_MODEL_ALIASES" }
      ])
      expect(yield* registry.resolveModel("gemini", "team")).toEqual({
        model: "gemini-team-default",
        source: "alias",
        requested: "team",
        alias: "team"
      })
      expect((yield* registry.resolveModel("gemini", "quick")).model).toBe("gemini-2.5-flash")
      expect((yield* registry.resolveModel("codex", "fast")).model).toBe("gpt-5.3-codex-spark")
      // An alias belongs to its CLI only.
      expect(yield* registry.resolveModel("claude", "fast")).toEqual({ model: "fast", source: "request", requested: "fast" })
    }))

  it.effect("an alias may name another alias", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({ CLAUDE_MODEL_ALIASES: "best=deep, deep=opus, loop=loop2, loop2=loop" })
      expect((yield* registry.resolveModel("claude", "best")).model).toBe("opus")
      // A cycle stops instead of spinning.
      expect((yield* registry.resolveModel("claude", "loop")).model).toBe("loop")
    }))

  it.effect("bad LLM_GATEWAY_MODEL_ALIASES entries are warnings in the answer", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({ LLM_GATEWAY_MODEL_ALIASES: "nocli=opus, claude.x=--help, claude.ok=opus" })
      const listing = yield* registry.list()
      expect(listing.warnings).toHaveLength(1)
      expect(listing.warnings[0]).toContain("\"nocli=opus\" does not start with a CLI")
      const claude = listing.clis.find((c) => c.cli === "claude")!
      expect(claude.warnings).toHaveLength(1)
      expect(claude.warnings[0]).toContain("\"--help\"")
      expect(claude.aliases.map((a) => a.alias)).toEqual(["ok"])
    }))
})

describe("resolveModel", () => {
  it.effect("latest, default (any case) and no model resolve to the env default", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({ CLAUDE_DEFAULT_MODEL: "haiku" })
      for (const requested of ["latest", "default", "LATEST", " Default ", undefined, ""]) {
        const r = yield* registry.resolveModel("claude", requested)
        expect(r).toMatchObject({ model: "haiku", source: "default", defaultSource: "env" })
      }
    }))

  it.effect("latest resolves to the config-file default", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({ CODEX_CONFIG_PATH: fixture("codex", "config.toml") })
      expect(yield* registry.resolveModel("codex", "latest")).toEqual({
        model: "gpt-5.4",
        source: "default",
        requested: "latest",
        defaultSource: "config"
      })
    }))

  it.effect("codex with no default: no model flag", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({})
      for (const requested of ["latest", "default", undefined]) {
        expect(yield* registry.resolveModel("codex", requested)).toEqual({
          model: undefined,
          source: "cli-default",
          requested
        })
      }
    }))

  it.effect("an unknown plain name passes through unchanged", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({ GROK_MODEL_ALIASES: "fast=grok-build" })
      expect(yield* registry.resolveModel("grok", "grok-5-experimental")).toEqual({
        model: "grok-5-experimental",
        source: "request",
        requested: "grok-5-experimental"
      })
    }))

  it.effect("a model in the config files is read at each call", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "models-"))
      const settings = join(dir, "settings.json")
      try {
        const registry = yield* registryFrom({ CLAUDE_SETTINGS_PATH: settings })
        expect((yield* registry.resolveModel("claude", "default")).model).toBeUndefined()
        writeFileSync(settings, JSON.stringify({ model: "sonnet" }))
        expect((yield* registry.resolveModel("claude", "default")).model).toBe("sonnet")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }))
})

describe("gemini history", () => {
  it.effect("observed models are merged low-confidence and never become the default", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({ GEMINI_HISTORY_ROOT: HISTORY })
      const gemini = (yield* registry.list("gemini")).clis[0]!
      expect(model(gemini, "gemini-2.5-flash-lite")).toMatchObject({
        source: "observed",
        confidence: "low",
        sources: ["observed"],
        origin: HISTORY,
        isDefault: false,
        observedCount: 1
      })
      // Also bundled: stays a fallback, observed is added to its sources.
      expect(model(gemini, "gemini-3-pro-preview")).toMatchObject({
        source: "fallback",
        sources: ["fallback", "observed"],
        origin: "bundled",
        observedCount: 2
      })
      // Escaped text inside a message and .txt files are not read as models.
      expect(model(gemini, "not-a-model-from-text")).toBeUndefined()
      expect(model(gemini, "from-a-text-file")).toBeUndefined()
      expect(gemini.defaultModel).toBeNull()
      expect(gemini.discovery).toEqual({ enabled: true, root: HISTORY, filesScanned: 3, truncated: false })
      expect(yield* registry.resolveModel("gemini", "latest")).toMatchObject({ model: undefined, source: "cli-default" })
      // Observed models come last.
      expect(gemini.models.at(-1)!.source).toBe("observed")
    }))

  it.effect("observed models do not displace a configured default", () =>
    Effect.gen(function*() {
      const gemini = yield* listOne({
        GEMINI_HISTORY_ROOT: HISTORY,
        GEMINI_SETTINGS_PATH: fixture("gemini", "settings.json")
      }, "gemini")
      expect(gemini.defaultModel).toBe("gemini-2.5-flash")
      expect(model(gemini, "gemini-3-pro-preview")!.isDefault).toBe(false)
    }))

  it.effect("LLM_GATEWAY_DISABLE_MODEL_DISCOVERY=1 turns the scan off", () =>
    Effect.gen(function*() {
      const gemini = yield* listOne({ GEMINI_HISTORY_ROOT: HISTORY, LLM_GATEWAY_DISABLE_MODEL_DISCOVERY: "1" }, "gemini")
      expect(gemini.models.some((m) => m.sources.includes("observed"))).toBe(false)
      expect(gemini.discovery).toEqual({ enabled: false, root: HISTORY, filesScanned: 0, truncated: false })
    }))

  it.effect("the scan is bounded: newest files first, at most maxFiles", () =>
    Effect.gen(function*() {
      const root = mkdtempSync(join(tmpdir(), "gemini-history-"))
      try {
        for (let i = 0; i < 5; i++) {
          const dir = join(root, `hash${i}`, "chats")
          mkdirSync(dir, { recursive: true })
          const file = join(dir, "session.json")
          writeFileSync(file, JSON.stringify({ messages: [{ model: `gemini-old-${i}` }] }))
          const t = new Date(2020, 0, 1 + i)
          utimesSync(file, t, t)
        }
        const config = ModelConfig.make({
          paths: { ...pathsOf(baseEnv), geminiHistoryRoot: root }
        })
        const registry = ModelRegistry.make(config, {
          historyLimits: { maxEntries: 1000, maxDepth: 4, maxFiles: 2, maxBytesPerFile: 4096, maxTotalBytes: 1 << 20, maxModels: 10 }
        })
        const gemini = (yield* registry.list("gemini")).clis[0]!
        const observed = gemini.models.filter((m) => m.source === "observed").map((m) => m.name).sort()
        expect(observed).toEqual(["gemini-old-3", "gemini-old-4"])
        expect(gemini.discovery).toMatchObject({ filesScanned: 2, truncated: true })
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    }))

  it.effect("a history root that is a file is a warning", () =>
    Effect.gen(function*() {
      const gemini = yield* listOne({ GEMINI_HISTORY_ROOT: fixture("gemini", "settings.json") }, "gemini")
      expect(gemini.warnings).toHaveLength(1)
      expect(gemini.warnings[0]).toContain("is not a folder")
    }))
})

describe("malformed files are warnings, not crashes", () => {
  it.effect("claude: malformed settings JSON; the other file still counts", () =>
    Effect.gen(function*() {
      const claude = yield* listOne({
        CLAUDE_SETTINGS_PATH: fixture("claude", "malformed.json"),
        CLAUDE_SETTINGS_LOCAL_PATH: fixture("claude", "settings.local.json")
      }, "claude")
      expect(claude.warnings).toHaveLength(1)
      expect(claude.warnings[0]).toMatch(/^claude settings .*malformed\.json is not valid JSON/)
      expect(claude.defaultModel).toBe("claude-sonnet-4-5")
    }))

  it.effect("claude: a settings model that is not a model name", () =>
    Effect.gen(function*() {
      const claude = yield* listOne({ CLAUDE_SETTINGS_PATH: fixture("claude", "not-a-name.json") }, "claude")
      expect(claude.defaultModel).toBeNull()
      expect(claude.warnings).toHaveLength(1)
      expect(claude.warnings[0]).toContain("is not a model name")
    }))

  it.effect("gemini: malformed settings JSON", () =>
    Effect.gen(function*() {
      const registry = yield* registryFrom({ GEMINI_SETTINGS_PATH: fixture("gemini", "malformed.json") })
      const gemini = (yield* registry.list("gemini")).clis[0]!
      expect(gemini.defaultModel).toBeNull()
      expect(gemini.warnings).toHaveLength(1)
      expect(gemini.warnings[0]).toMatch(/^gemini settings .*malformed\.json is not valid JSON/)
      expect(yield* registry.resolveModel("gemini", "default")).toMatchObject({ source: "cli-default" })
    }))

  it.effect("codex: malformed TOML", () =>
    Effect.gen(function*() {
      for (const file of ["malformed.toml", "unquoted.toml"]) {
        const registry = yield* registryFrom({ CODEX_CONFIG_PATH: fixture("codex", file) })
        const codex = (yield* registry.list("codex")).clis[0]!
        expect(codex.defaultModel).toBeNull()
        expect(codex.warnings).toHaveLength(1)
        expect(codex.warnings[0]).toMatch(new RegExp(`^codex config .*${file.replace(".", "\\.")} is not valid TOML \\(line 1: `))
        expect(yield* registry.resolveModel("codex", "latest")).toMatchObject({ model: undefined, source: "cli-default" })
      }
    }))

  it.effect("a config path that is a folder", () =>
    Effect.gen(function*() {
      const codex = yield* listOne({ CODEX_CONFIG_PATH: fixture("codex") }, "codex")
      expect(codex.warnings).toEqual([`codex config ${fixture("codex")} is not a file; ignored`])
    }))
})

const pathsOf = (env: Readonly<Record<string, string>>): ModelConfig.ModelPaths => ({
  claudeSettings: env.CLAUDE_SETTINGS_PATH!,
  claudeSettingsLocal: env.CLAUDE_SETTINGS_LOCAL_PATH!,
  codexConfig: env.CODEX_CONFIG_PATH!,
  geminiSettings: env.GEMINI_SETTINGS_PATH!,
  geminiHistoryRoot: env.GEMINI_HISTORY_ROOT!
})

