import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { join } from "node:path"
import {
  parseAliases,
  parseDisableDiscovery,
  parseGatewayAliases,
  parseModelList
} from "../../src/models/config.js"
import { baseEnv, configFrom } from "./helpers.js"

describe("*_MODELS", () => {
  it("reads a comma/newline list", () => {
    const r = parseModelList("GEMINI_MODELS", "gemini-team-a, gemini-team-b\n gemini-team-c ,,")
    expect(r.models).toEqual([
      { name: "gemini-team-a", description: undefined },
      { name: "gemini-team-b", description: undefined },
      { name: "gemini-team-c", description: undefined }
    ])
    expect(r.warnings).toEqual([])
  })

  it("reads a JSON array of names or of {name|id, description}", () => {
    const r = parseModelList("CODEX_MODELS", `["gpt-a", {"name": "gpt-b", "description": "B"}, {"id": "gpt-c"}]`)
    expect(r.models).toEqual([
      { name: "gpt-a", description: undefined },
      { name: "gpt-b", description: "B" },
      { name: "gpt-c", description: undefined }
    ])
    expect(r.warnings).toEqual([])
  })

  it("reads a JSON object model → description", () => {
    const r = parseModelList("GEMINI_MODELS", `{"gemini-team-default": "Team-approved Gemini model", "gemini-x": ""}`)
    expect(r.models).toEqual([
      { name: "gemini-team-default", description: "Team-approved Gemini model" },
      { name: "gemini-x", description: undefined }
    ])
  })

  it("malformed JSON is a warning, not a crash, and adds nothing", () => {
    const r = parseModelList("CLAUDE_MODELS", `["opus", `)
    expect(r.models).toEqual([])
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/^CLAUDE_MODELS is not valid JSON/)
  })

  it("names that are not model names, and reserved names, are dropped with a warning", () => {
    const r = parseModelList("GROK_MODELS", "grok-build, --help, ; rm -rf /, latest")
    expect(r.models.map((m) => m.name)).toEqual(["grok-build"])
    expect(r.warnings).toHaveLength(3)
    expect(r.warnings.join("\n")).toContain("\"--help\" is not a model name")
    expect(r.warnings.join("\n")).toContain("\"latest\" is reserved")
  })
})

describe("*_MODEL_ALIASES", () => {
  it("reads alias=model pairs", () => {
    const r = parseAliases("GEMINI_MODEL_ALIASES", "team=gemini-team-default, fast = gemini-2.5-flash\nbig=gemini-2.5-pro")
    expect(r.aliases).toEqual([
      { alias: "team", model: "gemini-team-default", origin: "GEMINI_MODEL_ALIASES" },
      { alias: "fast", model: "gemini-2.5-flash", origin: "GEMINI_MODEL_ALIASES" },
      { alias: "big", model: "gemini-2.5-pro", origin: "GEMINI_MODEL_ALIASES" }
    ])
    expect(r.warnings).toEqual([])
  })

  it("reads a JSON object alias → model", () => {
    const r = parseAliases("CLAUDE_MODEL_ALIASES", `{"deep": "opus"}`)
    expect(r.aliases).toEqual([{ alias: "deep", model: "opus", origin: "CLAUDE_MODEL_ALIASES" }])
  })

  it("bad entries are warnings; the good ones stay", () => {
    const r = parseAliases("CLAUDE_MODEL_ALIASES", "deep=opus, nothing, default=haiku, x=--help, fast=haiku, fast=sonnet")
    expect(r.aliases).toEqual([
      { alias: "deep", model: "opus", origin: "CLAUDE_MODEL_ALIASES" },
      { alias: "fast", model: "sonnet", origin: "CLAUDE_MODEL_ALIASES" }
    ])
    expect(r.warnings).toHaveLength(4)
    expect(r.warnings[0]).toContain("\"nothing\" is not of the form alias=model")
    expect(r.warnings[1]).toContain("\"default\" is reserved")
    expect(r.warnings[2]).toContain("\"--help\"")
    expect(r.warnings[3]).toContain("defined twice; the later one (sonnet) wins")
  })
})

describe("LLM_GATEWAY_MODEL_ALIASES", () => {
  it("reads cli.alias=model pairs into each CLI", () => {
    const r = parseGatewayAliases("codex.fast=gpt-5.3-codex-spark,gemini.fast=gemini-team-default\ngrok.g=grok-build")
    expect(r.aliases.codex).toEqual([
      { alias: "fast", model: "gpt-5.3-codex-spark", origin: "LLM_GATEWAY_MODEL_ALIASES" }
    ])
    expect(r.aliases.gemini).toEqual([
      { alias: "fast", model: "gemini-team-default", origin: "LLM_GATEWAY_MODEL_ALIASES" }
    ])
    expect(r.aliases.grok.map((a) => a.alias)).toEqual(["g"])
    expect(r.aliases.claude).toEqual([])
    expect(r.general).toEqual([])
  })

  it("an alias may hold dots after the CLI", () => {
    const r = parseGatewayAliases("gemini.v2.5=gemini-2.5-pro")
    expect(r.aliases.gemini).toEqual([{ alias: "v2.5", model: "gemini-2.5-pro", origin: "LLM_GATEWAY_MODEL_ALIASES" }])
  })

  it("bad entries are warnings in the right place; the good ones stay", () => {
    const r = parseGatewayAliases(
      "fast=gpt-5.5, mistral.fast=x, claude.deep=opus, claude.latest=opus, codex.x=--yolo, gemini.y, claude.=opus"
    )
    expect(r.aliases.claude).toEqual([{ alias: "deep", model: "opus", origin: "LLM_GATEWAY_MODEL_ALIASES" }])
    expect(r.aliases.codex).toEqual([])
    // no CLI: "fast=…", "mistral.…"; no "=": "gemini.y"
    expect(r.general).toHaveLength(3)
    expect(r.general.some((w) => w.includes("\"fast=gpt-5.5\" does not start with a CLI"))).toBe(true)
    expect(r.general.some((w) => w.includes("\"mistral.fast=x\""))).toBe(true)
    expect(r.general.some((w) => w.includes("\"gemini.y\" is not of the form"))).toBe(true)
    expect(r.warnings.claude).toHaveLength(2)
    expect(r.warnings.claude[0]).toContain("\"latest\" is reserved")
    expect(r.warnings.claude[1]).toContain("alias \"\" is not a model name")
    expect(r.warnings.codex).toHaveLength(1)
    expect(r.warnings.codex[0]).toContain("\"--yolo\"")
  })

  it("malformed JSON is a warning", () => {
    const r = parseGatewayAliases(`{"claude.deep": "opus"`)
    expect(r.general).toHaveLength(1)
    expect(r.general[0]).toMatch(/not a valid JSON object/)
  })
})

describe("LLM_GATEWAY_DISABLE_MODEL_DISCOVERY", () => {
  it("1/true/yes/on turn discovery off; 0/false/empty keep it on", () => {
    for (const v of ["1", "true", "YES", "on"]) expect(parseDisableDiscovery(v)).toEqual({ discovery: false, warning: undefined })
    for (const v of [undefined, "", "0", "false", "off"]) {
      expect(parseDisableDiscovery(v)).toEqual({ discovery: true, warning: undefined })
    }
  })

  it("another value turns it off with a warning", () => {
    const r = parseDisableDiscovery("maybe")
    expect(r.discovery).toBe(false)
    expect(r.warning).toContain("is not 1/0/true/false")
  })
})

describe("modelConfig (through a ConfigProvider)", () => {
  it.effect("reads every CLI's variables", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({
        CLAUDE_DEFAULT_MODEL: "haiku",
        CODEX_MODELS: "gpt-a,gpt-b",
        GEMINI_MODEL_ALIASES: "team=gemini-team-default",
        GROK_DEFAULT_MODEL: "grok-build",
        LLM_GATEWAY_MODEL_ALIASES: "codex.fast=gpt-a",
        LLM_GATEWAY_DISABLE_MODEL_DISCOVERY: "1"
      })
      expect(config.clis.claude.defaultModel).toBe("haiku")
      expect(config.clis.codex.models.map((m) => m.name)).toEqual(["gpt-a", "gpt-b"])
      expect(config.clis.codex.aliases).toEqual([{ alias: "fast", model: "gpt-a", origin: "LLM_GATEWAY_MODEL_ALIASES" }])
      expect(config.clis.gemini.aliases).toEqual([
        { alias: "team", model: "gemini-team-default", origin: "GEMINI_MODEL_ALIASES" }
      ])
      expect(config.clis.grok.defaultModel).toBe("grok-build")
      expect(config.discovery).toBe(false)
      expect(config.paths.codexConfig).toBe(baseEnv.CODEX_CONFIG_PATH)
    }))

  it.effect("an empty variable counts as unset", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({ CODEX_DEFAULT_MODEL: "  ", CODEX_MODELS: "" })
      expect(config.clis.codex.defaultModel).toBeUndefined()
      expect(config.clis.codex.models).toEqual([])
      expect(config.clis.codex.warnings).toEqual([])
    }))

  it.effect("a *_DEFAULT_MODEL that is not a model name is a warning and ignored", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({ CLAUDE_DEFAULT_MODEL: "--help", GEMINI_DEFAULT_MODEL: "latest" })
      expect(config.clis.claude.defaultModel).toBeUndefined()
      expect(config.clis.claude.warnings).toEqual([`CLAUDE_DEFAULT_MODEL "--help" is not a model name; ignored`])
      expect(config.clis.gemini.defaultModel).toBeUndefined()
      expect(config.clis.gemini.warnings).toHaveLength(1)
    }))

  it.effect("the CLI's own alias variable wins over LLM_GATEWAY_MODEL_ALIASES, with a warning", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({
        CLAUDE_MODEL_ALIASES: "fast=haiku",
        LLM_GATEWAY_MODEL_ALIASES: "claude.fast=sonnet,claude.deep=opus"
      })
      expect(config.clis.claude.aliases).toEqual([
        { alias: "fast", model: "haiku", origin: "CLAUDE_MODEL_ALIASES" },
        { alias: "deep", model: "opus", origin: "LLM_GATEWAY_MODEL_ALIASES" }
      ])
      expect(config.clis.claude.warnings).toEqual([
        `alias "fast" is haiku in CLAUDE_MODEL_ALIASES and sonnet in LLM_GATEWAY_MODEL_ALIASES; CLAUDE_MODEL_ALIASES wins`
      ])
    }))

  it.effect("LLM_GATEWAY_MODEL_ALIASES entries without a CLI are general warnings", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({ LLM_GATEWAY_MODEL_ALIASES: "oops=gpt-5.5, codex.ok=gpt-5.5" })
      expect(config.warnings).toHaveLength(1)
      expect(config.warnings[0]).toContain("does not start with a CLI")
      expect(config.clis.codex.aliases.map((a) => a.alias)).toEqual(["ok"])
    }))

  it.effect("default paths are under HOME, or CLAUDE_CONFIG_DIR / CODEX_HOME", () =>
    Effect.gen(function*() {
      const home = join("/nonexistent", "home")
      const config = yield* configFrom({
        HOME: home,
        CLAUDE_SETTINGS_PATH: "",
        CLAUDE_SETTINGS_LOCAL_PATH: "",
        CODEX_CONFIG_PATH: "",
        GEMINI_SETTINGS_PATH: "",
        GEMINI_HISTORY_ROOT: ""
      })
      expect(config.paths).toEqual({
        claudeSettings: join(home, ".claude", "settings.json"),
        claudeSettingsLocal: join(home, ".claude", "settings.local.json"),
        codexConfig: join(home, ".codex", "config.toml"),
        geminiSettings: join(home, ".gemini", "settings.json"),
        geminiHistoryRoot: join(home, ".gemini", "tmp")
      })
      const moved = yield* configFrom({
        HOME: home,
        CLAUDE_CONFIG_DIR: "/nonexistent/claude",
        CODEX_HOME: "/nonexistent/codex",
        CLAUDE_SETTINGS_PATH: "",
        CLAUDE_SETTINGS_LOCAL_PATH: "",
        CODEX_CONFIG_PATH: ""
      })
      expect(moved.paths.claudeSettings).toBe(join("/nonexistent/claude", "settings.json"))
      expect(moved.paths.claudeSettingsLocal).toBe(join("/nonexistent/claude", "settings.local.json"))
      expect(moved.paths.codexConfig).toBe(join("/nonexistent/codex", "config.toml"))
    }))
})
