import { describe, expect, it } from "@effect/vitest"
import { fitJsonChars, jsonStringBytes, pageBytes } from "../../src/mcp/answerSize.js"

/** What JSON.stringify really makes of a string, without its quotes, in UTF-8 bytes. */
const actual = (text: string) => Buffer.byteLength(JSON.stringify(text), "utf8") - 2

describe("answerSize", () => {
  const samples = [
    "plain ascii text",
    "\u0001\u0002\u001f control",
    "tabs\tand\nnewlines\r\b\f",
    "quotes \" and \\ backslashes",
    "é ü ß, 中文字符, emoji 😀🎉",
    "lone \ud800 high and \udc00 low surrogates",
    "\u2028\u2029 separators",
    "\u007f\u0080\u07ff\u0800\uffff"
  ]

  it("counts bytes as JSON.stringify writes them, for every kind of character", () => {
    for (const text of samples) expect(jsonStringBytes(text)).toBe(actual(text))
  })

  it("fits the longest prefix within the bytes, never splitting a surrogate pair", () => {
    for (const text of samples) {
      for (let max = 0; max <= actual(text) + 2; max++) {
        const n = fitJsonChars(text, max)
        expect(actual(text.slice(0, n))).toBeLessThanOrEqual(max)
        if (n < text.length) {
          // One more character (or pair) would not fit.
          const next = /[\ud800-\udbff][\udc00-\udfff]/.test(text.slice(n, n + 2)) ? 2 : 1
          expect(actual(text.slice(0, n + next))).toBeGreaterThan(max)
        }
      }
    }
  })

  it("a page of control characters is cut to a sixth of the characters a page of letters keeps", () => {
    const max = 60_000
    expect(fitJsonChars("a".repeat(100_000), max)).toBe(60_000)
    expect(fitJsonChars("\u0001".repeat(100_000), max)).toBe(10_000)
  })

  it("a page holds half of the answer budget less the envelope, as it is sent twice", () => {
    expect(pageBytes(8 * 1024 * 1024)).toBe((8 * 1024 * 1024 - 64 * 1024) / 2)
    expect(pageBytes(1)).toBe(4096)
  })
})
