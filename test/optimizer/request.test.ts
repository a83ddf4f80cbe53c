import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { optimizeAnswer, optimizeRequestPrompt } from "../../src/optimizer/request.js"

describe("optimizeRequestPrompt", () => {
  it("rewrites the prompt only when the request asks for it", () => {
    const asked = optimizeRequestPrompt({ prompt: "Please   fix it.", optimizePrompt: true, model: "x" })
    expect(asked.request).toEqual({ prompt: "Fix it.", optimizePrompt: true, model: "x" })
    expect(asked.saving?.savedChars).toBe(9)
    const request = { prompt: "Please   fix it.", optimizePrompt: false }
    expect(optimizeRequestPrompt(request)).toEqual({ request, saving: undefined })
  })
})

describe("optimizeAnswer", () => {
  it.effect("rewrites the page, keeps the note on where to read on, and reports the saving", () =>
    Effect.gen(function*() {
      const page = "\x1b[32mok\x1b[0m\nline line line\nline line line\nline line line"
      const note = "\n\n[The reply continues: 60 of 900 characters shown.]"
      const out = yield* optimizeAnswer({
        text: page + note,
        structured: { text: page, jobId: "j1", nextOffset: 60 }
      })
      expect(out.structured.text).toBe("ok\nline line line [×3]")
      expect(out.text).toBe(`ok\nline line line [×3]${note}`)
      expect(out.structured.nextOffset).toBe(60)
      expect(out.structured.responseOptimization).toEqual({
        charsBefore: page.length,
        charsAfter: 22,
        tokensBefore: Math.ceil(page.length / 4),
        tokensAfter: 6
      })
    }))
})
