import { describe, expect, it } from "@effect/vitest"
import { allClis } from "../../src/domain/Cli.js"
import { isModelName, isReservedName } from "../../src/models/config.js"
import { fallbackModels } from "../../src/models/fallbacks.js"

const names = (cli: keyof typeof fallbackModels) => fallbackModels[cli].map((m) => m.name)

describe("bundled fallbacks", () => {
  it("every CLI has some; names are valid, not reserved, unique, and described", () => {
    for (const cli of allClis) {
      const list = fallbackModels[cli]
      expect(list.length).toBeGreaterThan(0)
      expect(new Set(names(cli)).size).toBe(list.length)
      for (const m of list) {
        expect(isModelName(m.name), `${cli}: ${m.name}`).toBe(true)
        expect(isReservedName(m.name), `${cli}: ${m.name}`).toBe(false)
        expect(m.description.trim().length).toBeGreaterThan(0)
      }
    }
  })

  // claude 2.1.332: --model names 'fable', 'opus', 'sonnet'; with no --model it runs claude-opus-5-5 (opus).
  it("claude: its aliases, opus (its default) first, fable included", () => {
    expect(names("claude")).toEqual(["opus", "sonnet", "haiku", "fable"])
    expect(fallbackModels.claude[0]!.description).toContain("claude-opus-5-5")
  })

  // codex 0.171.0: the bundled catalog's first listed model is the default.
  it("codex: gpt-6.2-sol (its default) first; the models its catalog dropped or calls legacy are gone", () => {
    expect(names("codex")[0]).toBe("gpt-6.2-sol")
    expect(fallbackModels.codex[0]!.description).toContain("default")
    expect(names("codex")).toContain("gpt-6.2-astra")
    for (const old of ["gpt-5.5", "gpt-5.3-codex", "gpt-5.4-mini"]) expect(names("codex")).not.toContain(old)
  })

  // gemini 0.61.0: the default is the alias auto; pro, flash and flash-lite are aliases too.
  it("gemini: auto (its default) first, then its aliases, then Gemini 3 and the stable models", () => {
    expect(names("gemini").slice(0, 4)).toEqual(["auto", "pro", "flash", "flash-lite"])
    expect(fallbackModels.gemini[0]!.description).toContain("default")
    for (const m of ["gemini-3-pro-preview", "gemini-2.5-pro", "gemini-3.5-flash", "gemini-3.1-flash-lite"]) {
      expect(names("gemini")).toContain(m)
    }
    for (const old of ["gemini-2.5-flash", "gemini-2.5-flash-lite"]) expect(names("gemini")).not.toContain(old)
  })

  // Grok Build: grok-build left its bundled catalog in July 2026; grok-4.6 was then its default.
  it("grok: the Grok 4 models, newest first; grok-build is gone", () => {
    expect(names("grok")).toEqual(["grok-4.7", "grok-4.6", "grok-4.5"])
    expect(names("grok")).not.toContain("grok-build")
  })
})
