/**
 * The top-level members of a JSON-RPC line of which only the ends are kept
 * (a line over the input bound, skipped as it streams in): its `id`, so that
 * the refusal reaches the request it answers, and whether it is a response.
 * Pure; linear in the bytes it is given.
 *
 * @since 0.1.0
 */
import type { RequestId } from "@modelcontextprotocol/sdk/types.js"

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

interface Members {
  id?: RequestId
  method: boolean
  response: boolean
}

/**
 * The top-level `id` of a JSON object of which only the first and the last
 * bytes are known, and whether it is a response (`result` or `error` and no
 * `method`). The first bytes are read forward from the object's `{`, the
 * last backward from its `}`, each tracking strings and nesting, so a nested
 * `"id"` is never taken for the request's. Structural characters are ASCII,
 * and UTF-8 never uses ASCII bytes inside a multi-byte character, so bytes
 * are scanned as they are.
 *
 * @since 0.1.0
 */
export const topLevelMembers = (head: Buffer, tail: Buffer): { readonly id?: RequestId; readonly response: boolean } => {
  const found: Members = { method: false, response: false }
  scanForward(head, found)
  scanBackward(tail, found)
  const response = found.response && !found.method
  return found.id === undefined ? { response } : { id: found.id, response }
}

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

const skipSpace = (b: Buffer, i: number): number => {
  while (i < b.length && isSpace(b[i])) i++
  return i
}

/** The index of the quote that closes the string opened at `open`, or -1 past the bytes. */
const stringEnd = (b: Buffer, open: number): number => {
  for (let i = open + 1; i < b.length; i++) {
    if (b[i] === BACKSLASH) i++
    else if (b[i] === QUOTE) return i
  }
  return -1
}

/** The index of the quote that opens the string closed at `close`, or -1 when the bytes do not tell. */
const stringStart = (b: Buffer, close: number): number => {
  for (let i = close - 1; i >= 0; i--) {
    if (b[i] !== QUOTE) continue
    let backslashes = 0
    while (i - 1 - backslashes >= 0 && b[i - 1 - backslashes] === BACKSLASH) backslashes++
    // The run of backslashes may go on before the bytes we have: unknown.
    if (i - 1 - backslashes < 0) return -1
    if (backslashes % 2 === 0) return i
  }
  return -1
}

/** Records a top-level member whose key is the string `key` and whose value starts at `at`. */
const member = (found: Members, key: string, b: Buffer, at: number): void => {
  if (key === "method") found.method = true
  else if (key === "result" || key === "error") found.response = true
  else if (key === "id" && found.id === undefined) {
    const id = valueAt(b, at)
    if (id !== undefined) found.id = id
  }
}

/** A string or number value starting at `at`, when it ends within the bytes. */
const valueAt = (b: Buffer, at: number): RequestId | undefined => {
  let end: number
  if (b[at] === QUOTE) {
    end = stringEnd(b, at) + 1
    if (end === 0) return undefined
  } else {
    end = at
    while (end < b.length && /[-+.0-9eE]/.test(String.fromCharCode(b[end]!))) end++
    if (end === at || end === b.length) return undefined
  }
  try {
    const value: unknown = JSON.parse(b.toString("utf8", at, end))
    return typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) ? value : undefined
  } catch {
    return undefined
  }
}

const scanForward = (b: Buffer, found: Members): void => {
  let i = skipSpace(b, 0)
  if (b[i] !== OPEN_BRACE) return
  let depth = 0
  while (i < b.length) {
    const c = b[i]
    if (c === QUOTE) {
      const close = stringEnd(b, i)
      if (close === -1) return
      if (depth === 1) {
        const colon = skipSpace(b, close + 1)
        if (b[colon] === COLON) member(found, b.toString("utf8", i + 1, close), b, skipSpace(b, colon + 1))
      }
      i = close + 1
      continue
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--
    i++
  }
}

const scanBackward = (b: Buffer, found: Members): void => {
  let i = b.length - 1
  while (i >= 0 && isSpace(b[i])) i--
  if (b[i] !== CLOSE_BRACE) return
  let depth = 0
  while (i >= 0) {
    const c = b[i]
    if (c === QUOTE) {
      const open = stringStart(b, i)
      if (open === -1) return
      if (depth === 1) {
        const colon = skipSpace(b, i + 1)
        if (b[colon] === COLON) member(found, b.toString("utf8", open + 1, i), b, skipSpace(b, colon + 1))
      }
      i = open - 1
      continue
    }
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth++
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth--
    i--
  }
}
