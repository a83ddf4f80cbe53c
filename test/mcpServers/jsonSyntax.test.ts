/**
 * The JSON syntax locator: it agrees with JSON.parse on what is valid, and
 * names the place of the first error (as V8 does where V8 says) without
 * quoting the text.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { jsonSyntaxError } from "../../src/mcpServers/jsonSyntax.js"

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe("jsonSyntaxError", () => {
  it("finds nothing wrong in valid JSON, whatever its nesting", () => {
    fc.assert(fc.property(fc.json(), (text) => {
      expect(jsonSyntaxError(text)).toBeUndefined()
    }))
    const deep = "[".repeat(100_000) + "]".repeat(100_000)
    expect(jsonSyntaxError(deep)).toBeUndefined()
  })

  it("agrees with JSON.parse on any text: an error exactly when JSON.parse throws", () => {
    const pieces = fc.constantFrom("{", "}", "[", "]", ",", ":", "\"", "\\", "a", "1", "-", ".", "e", " ", "\n", "true", "nul", "\u0001", "\\u12")
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces).map((p) => p.join("")), fc.json().map((j) => j.slice(0, -1))), (text) => {
        expect(jsonSyntaxError(text) === undefined).toBe(parses(text))
      }),
      { numRuns: 2_000 }
    )
  })

  it("names the offset V8 names, with line and column", () => {
    const cases: ReadonlyArray<readonly [string, number, number, number, string]> = [
      ["{\"a\": 1,}", 8, 1, 9, "property name"],
      ["{\"a\": \"x", 6, 1, 7, "never closed"],
      ["{\n  \"a\": 1\n  \"b\": 2}", 13, 3, 3, "',' or '}'"],
      ["{\"a\":\"\u0001\"}", 6, 1, 7, "control character"],
      ["{} extra", 3, 1, 4, "after the JSON value"],
      ["", 0, 1, 1, "empty"],
      ["[1, 2", 5, 1, 6, "early end"],
      ["{\"a\" 1}", 5, 1, 6, "':'"],
      ["-", 0, 1, 1, "malformed number"],
      ["\"\\x\"", 1, 1, 2, "escape"]
    ]
    for (const [text, offset, line, column, problem] of cases) {
      expect(jsonSyntaxError(text), JSON.stringify(text)).toMatchObject({ offset, line, column })
      expect(jsonSyntaxError(text)?.problem).toContain(problem)
    }
  })

  it("never quotes the text: the problem is one of its fixed phrases", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).map((s) => `{"k": ${s}zq9`), (text) => {
        const error = jsonSyntaxError(text)
        expect(error?.problem ?? "").not.toContain("zq9")
      })
    )
  })

  it("is linear: 5 MB of nested and flat JSON with an error at the very end", () => {
    const flat = `[${"\"hunter2hunter2\",".repeat(300_000)}x]`
    const started = performance.now()
    expect(jsonSyntaxError(flat)?.offset).toBe(flat.length - 2)
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})
