/**
 * What an answer to a tools/call may be: a result, a typed error result
 * (`isError` with `structuredContent.error._tag`), or a JSON-RPC
 * invalid-params error; never an internal error or a stack trace.
 */
import { expect } from "vitest"
import type { JsonRpcMessage } from "./server.js"

/** A line of a JavaScript stack trace. */
export const STACK = /\n\s+at [^\n]*(:\d+:\d+|native|<anonymous>)/

/** JSON-RPC's invalid-params code. */
export const INVALID_PARAMS = -32602

/**
 * Asserts the answer is one of the allowed kinds and says which:
 * `ok`, the error's tag, or `jsonrpc <code>`.
 */
export const classify = (answer: JsonRpcMessage): string => {
  if (answer.error !== undefined) {
    expect(answer.error.code, JSON.stringify(answer.error)).toBe(INVALID_PARAMS)
    expect(answer.error.message).not.toMatch(STACK)
    return `jsonrpc ${answer.error.code}`
  }
  const result = answer.result as {
    isError?: boolean
    content?: Array<{ text?: string }>
    structuredContent?: { error?: { _tag?: unknown; message?: unknown } }
  }
  expect(result, JSON.stringify(answer)).toBeTypeOf("object")
  if (result.isError === true) {
    const tag = result.structuredContent?.error?._tag
    expect(tag, JSON.stringify(result)).toBeTypeOf("string")
    expect(tag).not.toBe("InternalError")
    expect(tag).not.toBe("Canceled")
    expect(JSON.stringify(result.content ?? [])).not.toMatch(/\\n\s+at [^\\]*:\d+:\d+/)
    expect(String(result.structuredContent?.error?.message ?? "")).not.toMatch(STACK)
    return String(tag)
  }
  expect(result.structuredContent, JSON.stringify(result)).toBeTypeOf("object")
  return "ok"
}
