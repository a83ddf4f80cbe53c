/**
 * Reading a request's body within a bound: a body declared bigger than the
 * bound is refused before any of it is read, and one that turns out bigger
 * (a chunked body) as soon as the bound is passed. Nothing past the bound
 * is kept in memory.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { IncomingMessage } from "node:http"

/**
 * The body as text, or why there is none.
 *
 * @since 0.1.0
 */
export type Body =
  | { readonly _tag: "Read"; readonly text: string }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Aborted" }

const tooLarge: Body = { _tag: "TooLarge" }
const aborted: Body = { _tag: "Aborted" }

/**
 * Reads the body of `req`, at most `maxBytes` of it.
 *
 * @since 0.1.0
 */
export const read = (req: IncomingMessage, maxBytes: number): Effect.Effect<Body> => {
  const declared = Number(req.headers["content-length"])
  if (Number.isFinite(declared) && declared > maxBytes) return Effect.succeed(tooLarge)
  return Effect.async<Body>((resume) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    const done = (body: Body) => {
      cleanup()
      resume(Effect.succeed(body))
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > maxBytes) {
        chunks.length = 0
        // The rest is read and dropped (the answer closes the connection).
        done(tooLarge)
        req.resume()
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => done({ _tag: "Read", text: Buffer.concat(chunks).toString("utf8") })
    const onAborted = () => done(aborted)
    const cleanup = () => {
      req.off("data", onData)
      req.off("end", onEnd)
      req.off("error", onAborted)
      req.off("close", onAborted)
    }
    req.on("data", onData)
    req.on("end", onEnd)
    req.on("error", onAborted)
    req.on("close", onAborted)
    return Effect.sync(cleanup)
  })
}
