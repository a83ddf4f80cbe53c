import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { scanToml, type TomlEntry } from "../../src/models/toml.js"
import { fixture } from "./helpers.js"

const stringAt = (entries: ReadonlyArray<TomlEntry>, ...path: Array<string>) => {
  const e = entries.find((x) => x.path.join("\u0000") === path.join("\u0000"))
  return e === undefined ? undefined : e.value._tag === "String" ? e.value.value : "(not a string)"
}

describe("scanToml", () => {
  it("reads codex's config: top-level keys, quoted table names with dots, arrays over lines, multi-line strings", () => {
    const scan = scanToml(readFileSync(fixture("codex", "config.toml"), "utf8"))
    expect(scan.errors).toEqual([])
    expect(stringAt(scan.entries, "model")).toBe("gpt-5.4")
    expect(stringAt(scan.entries, "profiles", "gpt-5.5", "model")).toBe("gpt-5.5")
    expect(stringAt(scan.entries, "profiles", "fast", "model")).toBe("gpt-5.3-codex-spark")
    expect(stringAt(scan.entries, "model_providers", "openai", "base_url")).toBe("https://api.openai.com/v1")
    expect(stringAt(scan.entries, "notify")).toBe("(not a string)")
    expect(stringAt(scan.entries, "tui")).toBe("(not a string)")
    // Lines inside the array and the multi-line string are not keys.
    expect(scan.entries.some((e) => e.path.includes("Be brief."))).toBe(false)
  })

  it("reads dotted keys and escapes", () => {
    const scan = scanToml(`profiles.quick.model = "a\\u0062c"\n"weird key" = 'x # not a comment' # comment\n`)
    expect(scan.errors).toEqual([])
    expect(stringAt(scan.entries, "profiles", "quick", "model")).toBe("abc")
    expect(stringAt(scan.entries, "weird key")).toBe("x # not a comment")
  })

  it("an unterminated string is an error with its line", () => {
    const scan = scanToml(readFileSync(fixture("codex", "malformed.toml"), "utf8"))
    expect(scan.errors[0]).toBe("line 1: unterminated string")
    expect(scan.errors[1]).toMatch(/^line 2: a bare value that is not a TOML value/)
  })

  it("an unquoted string value is an error that does not quote the value (a config file may hold a secret)", () => {
    expect(scanToml(`model = gpt-5.4`).errors).toEqual([
      `line 1: a bare value that is not a TOML value (strings need quotes)`
    ])
  })

  it("bare numbers, booleans and dates are values", () => {
    expect(scanToml(`a = 1\nb = -3.5e2\nc = true\nd = 1979-05-27\ne = 0x1F\nf = 07:32:00`).errors).toEqual([])
  })

  it("broken headers, keys without values and unclosed arrays are errors", () => {
    expect(scanToml(`[profiles.fast`).errors).toHaveLength(1)
    expect(scanToml(`model =`).errors).toEqual(["line 1: a key without a value"])
    expect(scanToml(`just words`).errors).toEqual([`line 1: expected "=" after the key`])
    expect(scanToml(`a = [\n 1,\n`).errors).toEqual(["line 1: unterminated array or inline table"])
    expect(scanToml(`a = """\nabc`).errors).toEqual(["line 1: unterminated multi-line string"])
  })
})
