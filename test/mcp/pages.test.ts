import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { cursorAt, positionOf, takeWithinBytes } from "../../src/mcp/pages.js"

describe("pages", () => {
  it.effect("a cursor names its position; none is the start; a cursor no page gave is InvalidRequest", () =>
    Effect.gen(function*() {
      for (const n of [0, 1, 99, 123_456_789]) expect(yield* positionOf("t", cursorAt(n))).toBe(n)
      expect(yield* positionOf("t", undefined)).toBe(0)
      for (const bad of ["", "12", "p1.", "p1.-1", "p1.ZZ", "p2.1", "p1.1.2", `p1.${"z".repeat(20)}`]) {
        const error = yield* Effect.flip(positionOf("session_list", bad))
        expect(error).toMatchObject({ _tag: "InvalidRequest", field: "cursor" })
        expect(error.message).toContain("session_list")
      }
    }))

  it("takes the items that fit in the bytes (each counted twice), and always at least one", () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ i, text: "x".repeat(90) }))
    const each = Buffer.byteLength(JSON.stringify(items[0]))
    expect(takeWithinBytes(items, 2 * each * 4)).toHaveLength(4)
    expect(takeWithinBytes(items, 2 * each * 4 - 1)).toHaveLength(3)
    expect(takeWithinBytes(items, 1)).toHaveLength(1)
    expect(takeWithinBytes(items, 1e9)).toBe(items)
    expect(takeWithinBytes([], 10)).toEqual([])
  })
})
