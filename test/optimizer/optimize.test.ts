import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { estimateTokens, optimizePrompt, optimizeResponse } from "../../src/optimizer/optimize.js"

const prompt = (s: string) => optimizePrompt(s).text
const response = (s: string) => optimizeResponse(s).text

describe("optimizePrompt", () => {
  it("collapses runs of spaces and blank lines, keeps indentation, trims line ends", () => {
    expect(prompt("Fix   the\t\tbug  \n\n\n\nin  the parser.   \n    indented  line\n\n")).toBe(
      "Fix the bug\n\nin the parser.\n    indented line"
    )
  })

  it("drops courtesy phrases at sentence starts and capitalises the next word when the phrase was", () => {
    expect(prompt("Please fix the bug.")).toBe("Fix the bug.")
    expect(prompt("Could you please review this diff? I need you to check types. please run it")).toBe(
      "Review this diff? Check types. run it"
    )
    expect(prompt("I would like you to refactor it. Kindly keep tests.")).toBe("Refactor it. Keep tests.")
    expect(prompt("I'd like you to please summarise.")).toBe("Summarise.")
    expect(prompt("- Please add a test\n1. Please update docs")).toBe("- Add a test\n1. Update docs")
  })

  it("keeps courtesy words that are not at a sentence start, or not followed by a word", () => {
    expect(prompt("Say please when asking.")).toBe("Say please when asking.")
    expect(prompt("Please, stop.")).toBe("Please, stop.")
    expect(prompt("Please 3 items")).toBe("Please 3 items")
    expect(prompt("Could you explain this?")).toBe("Could you explain this?")
  })

  it("never capitalises a path or an identifier after a dropped phrase", () => {
    expect(prompt("Please src/index.ts is broken")).toBe("src/index.ts is broken")
    expect(prompt("Please `npm test` fails")).toBe("`npm test` fails")
    expect(prompt("Please foo.bar() breaks")).toBe("foo.bar() breaks")
  })

  it("leaves code blocks, inline code, quotes and block quotes alone", () => {
    const text = [
      "Please  fix:",
      "```ts",
      "const  x =  1",
      "",
      "",
      "",
      "   Please keep  me",
      "```",
      "Translate \"Please  sit   down.\" and 'Please   wait.'",
      "> Please   keep   this quote",
      "Then `a  b`."
    ].join("\n")
    expect(prompt(text)).toBe(
      [
        "Fix:",
        "```ts",
        "const  x =  1",
        "",
        "",
        "",
        "   Please keep  me",
        "```",
        "Translate \"Please  sit   down.\" and 'Please   wait.'",
        "> Please   keep   this quote",
        "Then `a  b`."
      ].join("\n")
    )
  })

  it("leaves an unclosed fence's code alone to the end", () => {
    const text = "Please look:\n```\nx   =   1\n\n\n\ny"
    expect(prompt(text)).toBe("Look:\n```\nx   =   1\n\n\n\ny")
  })

  it("measures the saving", () => {
    const r = optimizePrompt("Please   fix it.")
    expect(r.text).toBe("Fix it.")
    expect(r.before).toEqual({ chars: 16, tokens: 4 })
    expect(r.after).toEqual({ chars: 7, tokens: 2 })
    expect(r.savedChars).toBe(9)
    expect(r.savedTokens).toBe(2)
    expect(estimateTokens("")).toBe(0)
  })

  it("leaves a text holding its marker characters as it is", () => {
    const text = "Please   fix \uE000 it"
    expect(optimizePrompt(text)).toMatchObject({ text, savedChars: 0 })
  })
})

describe("optimizeResponse", () => {
  it("strips ANSI escapes", () => {
    expect(response("\x1b[1m\x1b[31mError\x1b[0m: file \x1b]8;;http://x\x07link\x1b]8;;\x07 at 42")).toBe(
      "Error: file link at 42"
    )
  })

  it("keeps what a terminal shows last of a redrawn line", () => {
    expect(response("Downloading 10%\rDownloading 55%\rDownloading 100%\nDone\r\n")).toBe("Downloading 100%\nDone")
    expect(response("⠋ Working\r\x1b[K⠙ Working\r\x1b[KResult: 7\r\x1b[0m")).toBe("Result: 7")
  })

  it("folds runs of identical lines with a count, and repeated blank lines", () => {
    const log = "INFO retrying connection to db\n".repeat(5)
    expect(response(`start\n${log}\n\n\n\nend\n`)).toBe("start\nINFO retrying connection to db [×5]\n\nend")
    // Too short to pay: kept.
    expect(response("ok\nok")).toBe("ok\nok")
    // Table rows are kept.
    expect(response("| a |\n| a |\n| a |\n| a |")).toBe("| a |\n| a |\n| a |\n| a |")
  })

  it("leaves code blocks alone, even repeated ones", () => {
    const block = "```\n\x1b[31mred\x1b[0m\r\nsame line same line\nsame line same line\n```"
    expect(response(`${block}\n${block}`)).toBe(`${block}\n${block}`)
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const codeChar = fc.constantFrom("a", "b", " ", "  ", "\t", "=", "(", ")", "x", "1", "\"", "'", "\x1b[31m", "\r", "Please ")
const fencedBlock = fc
  .tuple(fc.constantFrom("", "ts", "sh"), fc.array(fc.array(codeChar, { maxLength: 8 }).map((a) => a.join("")), { maxLength: 5 }))
  .map(([lang, lines]) => ["```" + lang, ...lines.filter((l) => !l.trimStart().startsWith("```")), "```"].join("\n"))
const inlineCode = fc.array(fc.constantFrom("a", " ", "  ", "b", "-", "\"", "Please "), { minLength: 1, maxLength: 8 })
  .map((a) => "`" + a.join("").replace(/^ +| +$/g, "x") + "`")
const quoted = fc.array(fc.constantFrom("a", " ", "  ", "Please ", "\t", "b", "."), { minLength: 1, maxLength: 8 })
  .map((a) => `"${a.join("")}"`)
const path = fc.array(fc.constantFrom("src", "usr", "lib", "index.ts", "a_b", "x-y", ".."), { minLength: 1, maxLength: 4 })
  .chain((parts) => fc.constantFrom("/", "./", "").map((lead) => lead + parts.join("/") + (parts.length === 1 ? "/" : "")))
const number = fc.oneof(
  fc.integer({ min: -100000, max: 100000 }).map(String),
  fc.double({ min: 0, max: 1000, noNaN: true }).map((d) => d.toFixed(2)),
  fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`)
)
const item = fc.oneof(fencedBlock, inlineCode, quoted, path, number)
/** How an item sits in the text: a fence only opens a code block at a line's start. */
const place = (i: string) => i.startsWith("```") ? `\n${i}\n` : i

const plainPiece = fc.constantFrom(
  "Please ",
  "please ",
  "Could you please ",
  "I need you to ",
  "fix",
  "the",
  "bug",
  ".",
  "?",
  " ",
  "   ",
  "\t",
  "\n",
  "\n\n\n",
  "- ",
  "INFO same line",
  "\x1b[32m",
  "\x1b[0m"
)
const plain = fc.array(plainPiece, { maxLength: 6 }).map((a) => a.join(""))
const separator = fc.constantFrom(" ", "\n", "  ", "\n\n\n", " Please ")

/** A text of plain fragments and protected items, and the items in order. */
const document = fc
  .array(fc.tuple(plain, separator, item, separator), { maxLength: 6 })
  .map((parts) => ({
    text: parts.map(([p, s1, i, s2]) => p + s1 + place(i) + s2).join(""),
    items: parts.map(([, , i]) => i)
  }))

const inOrder = (text: string, items: ReadonlyArray<string>): boolean => {
  let from = 0
  for (const i of items) {
    const at = text.indexOf(i, from)
    if (at < 0) return false
    from = at + i.length
  }
  return true
}

const anyText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 100 }),
  document.map((d) => d.text)
)

describe("optimizer properties", () => {
  it("prompts: code blocks, inline code, quotes, paths and numbers survive byte for byte, in order", () => {
    fc.assert(fc.property(document, ({ items, text }) => inOrder(prompt(text), items)), { numRuns: 500 })
  })

  it("responses: the same items survive byte for byte", () => {
    fc.assert(
      fc.property(document, ({ items, text }) => {
        const out = response(text)
        return items.every((i) => out.includes(i))
      }),
      { numRuns: 500 }
    )
  })

  it("responses: a coloured number or path survives without its colour", () => {
    fc.assert(
      fc.property(fc.oneof(path, number), (i) => response(`value \x1b[1;31m${i}\x1b[0m here`) === `value ${i} here`)
    )
  })

  it("are idempotent", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const p = prompt(text)
        const r = response(text)
        expect(prompt(p)).toBe(p)
        expect(response(r)).toBe(r)
      }),
      { numRuns: 1000 }
    )
  })

  it("never make a text longer, and measure what they saved", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const r of [optimizePrompt(text), optimizeResponse(text)]) {
          expect(r.text.length).toBeLessThanOrEqual(text.length)
          expect(r.savedChars).toBe(text.length - r.text.length)
          expect(r.savedTokens).toBeGreaterThanOrEqual(0)
        }
      }),
      { numRuns: 1000 }
    )
  })
})
