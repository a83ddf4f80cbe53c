/**
 * The answers of one MCP server that will not change (`ToolAnswer.final`):
 * kept, so that the same call (the same tool, the same arguments, on the
 * same server, so for the same caller) is answered again at once, without a
 * fiber, decoding or a lookup. A client that polls a finished job's status
 * asks the same question many times over; its answer is ready.
 *
 * Kept for `ttlMs` at most (a finished job is purged after its retention,
 * days later: an answer kept past that would name a job that is gone for
 * that long at most), the `capacity` most recent ones; only small calls are
 * kept (their arguments are the key).
 *
 * @since 0.1.0
 */
import type { CallToolResult } from "./results.js"

/**
 * @since 0.1.0
 */
export interface FinalAnswers {
  /** The answer kept for this call, if any, and not older than the TTL. */
  readonly lookup: (tool: string, args: unknown) => CallToolResult | undefined
  /** Keeps the answer of this call (a call with large arguments is not kept). */
  readonly keep: (tool: string, args: unknown, result: CallToolResult) => void
}

/**
 * @since 0.1.0
 */
export interface Options {
  /** Answers kept, at most: the oldest go first. */
  readonly capacity: number
  /** How long an answer is kept, in milliseconds. */
  readonly ttlMs: number
  /** The time now, in milliseconds (the server's Clock). */
  readonly now: () => number
}

/** Arguments longer than this (as JSON) are not kept: the key would cost what the call does. */
const MAX_KEY_CHARS = 1024

interface Kept {
  readonly result: CallToolResult
  readonly until: number
}

/**
 * @since 0.1.0
 */
export const make = (options: Options): FinalAnswers => {
  const kept = new Map<string, Kept>()
  // Tools with answers kept: the others' calls are never looked up (no key is made for them).
  const keeping = new Map<string, number>()
  const keyOf = (tool: string, args: unknown): string | undefined => {
    const json = JSON.stringify(args ?? {})
    return json.length > MAX_KEY_CHARS ? undefined : `${tool}\n${json}`
  }
  const forget = (key: string) => {
    if (!kept.delete(key)) return
    const tool = key.slice(0, key.indexOf("\n"))
    const left = (keeping.get(tool) ?? 1) - 1
    if (left === 0) keeping.delete(tool)
    else keeping.set(tool, left)
  }
  return {
    lookup: (tool, args) => {
      if (!keeping.has(tool)) return undefined
      const key = keyOf(tool, args)
      const found = key === undefined ? undefined : kept.get(key)
      if (found === undefined) return undefined
      if (found.until > options.now()) return found.result
      forget(key!)
      return undefined
    },
    keep: (tool, args, result) => {
      const key = keyOf(tool, args)
      if (key === undefined || options.capacity <= 0) return
      forget(key)
      kept.set(key, { result, until: options.now() + options.ttlMs })
      keeping.set(tool, (keeping.get(tool) ?? 0) + 1)
      if (kept.size > options.capacity) forget(kept.keys().next().value!)
    }
  }
}
