/**
 * Where a JSON text goes wrong, said without quoting it. `JSON.parse`'s own
 * message quotes the text (`Unexpected token 'h', "hunter2hun"... is not
 * valid JSON`), so a file that holds a secret, or that a path was linked to
 * (a key, a password file), would be shown in the error. This scanner finds
 * the first offending character and names what was expected there, with
 * the line and column; never a character of the text. Linear, iterative
 * (no recursion, whatever the nesting). Pure.
 *
 * @since 0.1.0
 */

/**
 * The first syntax error of a JSON text.
 *
 * @since 0.1.0
 */
export interface JsonSyntaxError {
  /** Offset of the offending character (UTF-16 units; the text's length at an early end). */
  readonly offset: number
  /** 1-based. */
  readonly line: number
  /** 1-based, in characters of the line. */
  readonly column: number
  /** What is wrong there, in words that quote nothing of the text. */
  readonly problem: string
}

type Expect = "value" | "valueOrEnd" | "key" | "keyOrEnd" | "colon" | "afterValue"

// Character codes, so the scan compares numbers and makes no strings.
const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const DOT = 0x2e

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const isDigit = (c: number) => c >= 0x30 && c <= 0x39
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
/** The characters that may follow a backslash (besides `u`): " \ / b f n r t. */
const isEscape = (c: number) =>
  c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74

interface Broken {
  readonly at: number
  readonly problem: string
}

/** The end of the string that starts at `i` (its opening quote), or where and why it is broken. */
const scanString = (text: string, i: number): number | Broken => {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (c === QUOTE) return j + 1
    if (c < 0x20) return { at: j, problem: "a control character (a raw line break or tab) inside a string" }
    if (c === BACKSLASH) {
      const next = text.charCodeAt(j + 1)
      if (next === 0x75) {
        for (let k = j + 2; k < j + 6; k++) {
          if (!isHex(text.charCodeAt(k))) return { at: j, problem: "a \\u escape without four hex digits" }
        }
        j += 5
      } else if (isEscape(next)) {
        j += 1
      } else {
        return { at: j, problem: "an escape sequence JSON does not have" }
      }
    }
  }
  return { at: i, problem: "a string that is never closed" }
}

/** The end of the number that starts at `i`: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
const scanNumber = (text: string, i: number): number | Broken => {
  const broken = { at: i, problem: "a malformed number" }
  let j = i
  if (text.charCodeAt(j) === MINUS) j++
  if (text.charCodeAt(j) === 0x30) j++
  else if (isDigit(text.charCodeAt(j))) while (isDigit(text.charCodeAt(j))) j++
  else return broken
  if (text.charCodeAt(j) === DOT) {
    j++
    if (!isDigit(text.charCodeAt(j))) return broken
    while (isDigit(text.charCodeAt(j))) j++
  }
  const e = text.charCodeAt(j)
  if (e === 0x65 || e === 0x45) {
    j++
    const sign = text.charCodeAt(j)
    if (sign === 0x2b || sign === MINUS) j++
    if (!isDigit(text.charCodeAt(j))) return broken
    while (isDigit(text.charCodeAt(j))) j++
  }
  return j
}

const WORDS: ReadonlyArray<string> = ["true", "false", "null"]

/** The end of `true`, `false` or `null` at `i`, or -1. */
const scanWord = (text: string, i: number): number => {
  for (const word of WORDS) {
    let k = 0
    while (k < word.length && text.charCodeAt(i + k) === word.charCodeAt(k)) k++
    if (k === word.length) return i + k
  }
  return -1
}

const at = (text: string, offset: number, problem: string): JsonSyntaxError => {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++
    lineStart = i + 1
  }
  return { offset, line, column: offset - lineStart + 1, problem }
}

/**
 * The first syntax error of a JSON text, or `undefined` when it is one
 * valid JSON value.
 *
 * @since 0.1.0
 */
export const jsonSyntaxError = (text: string): JsonSyntaxError | undefined => {
  const stack: Array<"object" | "array"> = []
  let expect: Expect = "value"
  let i = 0
  const n = text.length
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++
    if (i >= n) {
      return expect === "afterValue" && stack.length === 0
        ? undefined
        : at(text, i, text.trim() === "" ? "no JSON value (the file is empty)" : "an early end (something is not closed)")
    }
    const c = text.charCodeAt(i)
    switch (expect) {
      case "valueOrEnd":
      case "value": {
        let end: number | Broken
        if (expect === "valueOrEnd" && c === CLOSE_BRACKET) {
          stack.pop()
          end = i + 1
        } else if (c === OPEN_BRACE) {
          stack.push("object")
          expect = "keyOrEnd"
          i++
          break
        } else if (c === OPEN_BRACKET) {
          stack.push("array")
          expect = "valueOrEnd"
          i++
          break
        } else if (c === QUOTE) {
          end = scanString(text, i)
        } else if (c === MINUS || isDigit(c)) {
          end = scanNumber(text, i)
        } else {
          end = scanWord(text, i)
          if (end < 0) {
            return at(text, i, "a character where a value (object, array, string, number, true, false or null) was expected")
          }
        }
        if (typeof end !== "number") return at(text, end.at, end.problem)
        i = end
        expect = "afterValue"
        break
      }
      case "keyOrEnd":
      case "key": {
        if (expect === "keyOrEnd" && c === CLOSE_BRACE) {
          stack.pop()
          expect = "afterValue"
          i++
          break
        }
        if (c !== QUOTE) return at(text, i, "a character where a property name in double quotes was expected")
        const end = scanString(text, i)
        if (typeof end !== "number") return at(text, end.at, end.problem)
        i = end
        expect = "colon"
        break
      }
      case "colon": {
        if (c !== COLON) return at(text, i, "a character where ':' was expected after a property name")
        i++
        expect = "value"
        break
      }
      case "afterValue": {
        const top = stack[stack.length - 1]
        if (top === undefined) return at(text, i, "more text after the JSON value")
        if (c === COMMA) {
          expect = top === "object" ? "key" : "value"
          i++
        } else if ((top === "object" && c === CLOSE_BRACE) || (top === "array" && c === CLOSE_BRACKET)) {
          stack.pop()
          i++
        } else {
          return at(text, i, `a character where ',' or '${top === "object" ? "}" : "]"}' was expected`)
        }
        break
      }
    }
  }
}
