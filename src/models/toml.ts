/**
 * A small, tolerant reader of TOML key/value lines: enough to find codex's
 * `model`, `profile` and `[profiles.<name>] model` in `config.toml`, and to
 * tell a file that is not TOML from one that is.
 *
 * It knows tables (`[a.b]`, `[[a]]`), dotted and quoted keys, basic and
 * literal strings (one-line and multi-line), arrays and inline tables over
 * several lines, and bare values (numbers, booleans, dates). Only one-line
 * string values are returned as text; everything else is reported as
 * present but not a string.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export type TomlValue =
  | { readonly _tag: "String"; readonly value: string }
  | { readonly _tag: "Other" }

/**
 * A key assignment: the full key path (table path + key), its value and
 * its line (1-based).
 *
 * @since 0.1.0
 */
export interface TomlEntry {
  readonly path: ReadonlyArray<string>
  readonly value: TomlValue
  readonly line: number
}

/**
 * @since 0.1.0
 */
export interface TomlScan {
  readonly entries: ReadonlyArray<TomlEntry>
  /** Syntax errors, `line N: …`; at most a few. */
  readonly errors: ReadonlyArray<string>
}

const MAX_ERRORS = 5
const OTHER: TomlValue = { _tag: "Other" }

class TomlSyntax {
  constructor(readonly message: string) {}
}

const ESCAPES: Readonly<Record<string, string>> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  "\"": "\"",
  "\\": "\\",
  e: "\u001b"
}

/** Reads a basic string starting at `i` (the opening quote); its value and the index after it. */
const basicString = (s: string, i: number): { value: string; end: number } => {
  let out = ""
  let j = i + 1
  while (j < s.length) {
    const c = s[j]!
    if (c === "\"") return { value: out, end: j + 1 }
    if (c === "\\") {
      const n = s[j + 1]
      if (n === undefined) break
      if (n === "u" || n === "U") {
        const len = n === "u" ? 4 : 8
        const hex = s.slice(j + 2, j + 2 + len)
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) throw new TomlSyntax("bad unicode escape")
        out += String.fromCodePoint(parseInt(hex, 16))
        j += 2 + len
        continue
      }
      const e = ESCAPES[n]
      if (e === undefined) throw new TomlSyntax(`bad escape \\${n}`)
      out += e
      j += 2
      continue
    }
    out += c
    j++
  }
  throw new TomlSyntax("unterminated string")
}

const literalString = (s: string, i: number): { value: string; end: number } => {
  const close = s.indexOf("'", i + 1)
  if (close < 0) throw new TomlSyntax("unterminated string")
  return { value: s.slice(i + 1, close), end: close + 1 }
}

const skipWs = (s: string, i: number): number => {
  while (i < s.length && (s[i] === " " || s[i] === "\t")) i++
  return i
}

/** Nothing but whitespace or a comment from `i`. */
const restIsEmpty = (s: string, i: number): boolean => {
  const j = skipWs(s, i)
  return j >= s.length || s[j] === "#"
}

/** Reads a dotted key from `i`, stopping before `stop` (`=` or `]`). */
const keyPath = (s: string, i: number, stop: string): { path: Array<string>; end: number } => {
  const path: Array<string> = []
  let j = skipWs(s, i)
  for (;;) {
    const c = s[j]
    if (c === "\"") {
      const r = basicString(s, j)
      path.push(r.value)
      j = r.end
    } else if (c === "'") {
      const r = literalString(s, j)
      path.push(r.value)
      j = r.end
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(j))
      if (m === null) throw new TomlSyntax(path.length === 0 ? "expected a key" : "expected a key after \".\"")
      path.push(m[0])
      j += m[0].length
    }
    j = skipWs(s, j)
    if (s[j] === ".") {
      j = skipWs(s, j + 1)
      continue
    }
    if (s[j] !== stop) throw new TomlSyntax(`expected "${stop}" after the key`)
    return { path, end: j }
  }
}

const BARE_VALUE = new RegExp(
  [
    "^(true|false)$",
    "^[+-]?(inf|nan)$",
    "^0x[0-9A-Fa-f_]+$|^0o[0-7_]+$|^0b[01_]+$",
    "^[+-]?\\d[\\d_]*(\\.\\d[\\d_]*)?([eE][+-]?\\d[\\d_]*)?$",
    "^\\d{4}-\\d{2}-\\d{2}([Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+-]\\d{2}:\\d{2})?)?$",
    "^\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?$"
  ].join("|")
)

/**
 * Scans brackets from `i` on one line, counting `[`/`{` against `]`/`}`
 * outside strings and comments. Returns the depth at the end of the line
 * (0: the value closed) and where it closed.
 */
const scanBrackets = (s: string, i: number, depth: number): { depth: number; end: number } => {
  let j = i
  while (j < s.length) {
    const c = s[j]!
    if (c === "#") return { depth, end: s.length }
    if (c === "\"") {
      if (s.startsWith("\"\"\"", j)) {
        const close = s.indexOf("\"\"\"", j + 3)
        if (close < 0) throw new TomlSyntax("multi-line strings inside arrays are not read")
        j = close + 3
      } else j = basicString(s, j).end
      continue
    }
    if (c === "'") {
      j = literalString(s, j).end
      continue
    }
    if (c === "[" || c === "{") depth++
    else if (c === "]" || c === "}") {
      depth--
      if (depth < 0) throw new TomlSyntax(`unbalanced "${c}"`)
      if (depth === 0) return { depth, end: j + 1 }
    }
    j++
  }
  return { depth, end: s.length }
}

/**
 * Reads the key/value lines of a TOML text. Never throws: what it cannot
 * read is in `errors`.
 *
 * @since 0.1.0
 */
export const scanToml = (text: string): TomlScan => {
  const entries: Array<TomlEntry> = []
  const errors: Array<string> = []
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  let table: Array<string> = []
  /** Inside a multi-line string: its closing delimiter. */
  let openString: string | undefined
  /** Inside an array or inline table over several lines: its depth. */
  let openDepth = 0
  let openedAt = 0

  for (let n = 0; n < lines.length && errors.length < MAX_ERRORS; n++) {
    const line = lines[n]!
    const lineNo = n + 1
    try {
      if (openString !== undefined) {
        const close = line.indexOf(openString)
        if (close >= 0) {
          openString = undefined
          if (!restIsEmpty(line, close + 3)) throw new TomlSyntax("text after the end of a string")
        }
        continue
      }
      if (openDepth > 0) {
        const r = scanBrackets(line, 0, openDepth)
        openDepth = r.depth
        if (openDepth === 0 && !restIsEmpty(line, r.end)) throw new TomlSyntax("text after the end of a value")
        continue
      }
      let i = skipWs(line, 0)
      if (i >= line.length || line[i] === "#") continue
      if (line[i] === "[") {
        const array = line[i + 1] === "["
        const r = keyPath(line, i + (array ? 2 : 1), "]")
        let end = r.end + 1
        if (array) {
          if (line[end] !== "]") throw new TomlSyntax("expected \"]]\"")
          end++
        }
        if (!restIsEmpty(line, end)) throw new TomlSyntax("text after a table header")
        table = r.path
        continue
      }
      const k = keyPath(line, i, "=")
      const path = [...table, ...k.path]
      i = skipWs(line, k.end + 1)
      const c = line[i]
      let value: TomlValue = OTHER
      let end: number
      if (c === undefined || c === "#") throw new TomlSyntax("a key without a value")
      if (line.startsWith("\"\"\"", i) || line.startsWith("'''", i)) {
        const delim = line.slice(i, i + 3)
        const close = line.indexOf(delim, i + 3)
        if (close < 0) {
          openString = delim
          openedAt = lineNo
          entries.push({ path, value, line: lineNo })
          continue
        }
        end = close + 3
      } else if (c === "\"" || c === "'") {
        const r = c === "\"" ? basicString(line, i) : literalString(line, i)
        value = { _tag: "String", value: r.value }
        end = r.end
      } else if (c === "[" || c === "{") {
        const r = scanBrackets(line, i, 0)
        if (r.depth > 0) {
          openDepth = r.depth
          openedAt = lineNo
          entries.push({ path, value, line: lineNo })
          continue
        }
        end = r.end
      } else {
        const hash = line.indexOf("#", i)
        const bare = (hash < 0 ? line.slice(i) : line.slice(i, hash)).trim()
        if (!BARE_VALUE.test(bare)) {
          throw new TomlSyntax("a bare value that is not a TOML value (strings need quotes)")
        }
        end = hash < 0 ? line.length : hash
      }
      if (!restIsEmpty(line, end)) throw new TomlSyntax("text after the value")
      entries.push({ path, value, line: lineNo })
    } catch (e) {
      if (!(e instanceof TomlSyntax)) throw e
      errors.push(`line ${lineNo}: ${e.message}`)
      openString = undefined
      openDepth = 0
    }
  }
  if (errors.length < MAX_ERRORS) {
    if (openString !== undefined) errors.push(`line ${openedAt}: unterminated multi-line string`)
    else if (openDepth > 0) errors.push(`line ${openedAt}: unterminated array or inline table`)
  }
  return { entries, errors }
}
