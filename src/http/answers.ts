/**
 * The plain answers of the Streamable HTTP server (JSON, JSON-RPC errors)
 * and what it reads of a request (a header, a POST's JSON body within its
 * bound), before any session is involved.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Body from "./body.js"

/**
 * Answers with a JSON body (or ends a response already begun).
 *
 * @since 0.1.0
 */
export const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  if (res.headersSent) {
    res.end()
    return
  }
  res.writeHead(status, { "Content-Type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

/**
 * A JSON-RPC error message.
 *
 * @since 0.1.0
 */
export const rpcError = (code: number, message: string, id: unknown = null, data?: unknown) => ({
  jsonrpc: "2.0",
  error: data === undefined ? { code, message } : { code, message, data },
  id
})

/**
 * The id of a JSON-RPC request body, for an error answered in its place.
 *
 * @since 0.1.0
 */
export const requestIdOf = (body: unknown): unknown =>
  typeof body === "object" && body !== null && "id" in body ? (body as { readonly id: unknown }).id : null

/**
 * The public URL, when it is one.
 *
 * @since 0.1.0
 */
export const publicUrlOf = (url: string | undefined): URL | undefined => {
  if (url === undefined) return undefined
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

/**
 * A request header's (first) value.
 *
 * @since 0.1.0
 */
export const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * Reads a POST's JSON body within `maxBodyBytes`; undefined when answered
 * already (413 over the bound, 400 not JSON) or the client went away.
 *
 * @since 0.1.0
 */
export const readJsonBody = (req: IncomingMessage, res: ServerResponse, maxBodyBytes: number) =>
  Effect.map(Body.read(req, maxBodyBytes), (body): { readonly value: unknown } | undefined => {
    switch (body._tag) {
      case "Aborted":
        res.destroy()
        return undefined
      case "TooLarge":
        json(
          res,
          413,
          rpcError(-32000, `Payload Too Large: a request body is at most ${maxBodyBytes} bytes`),
          { Connection: "close" }
        )
        return undefined
      case "Read":
        try {
          return { value: JSON.parse(body.text) as unknown }
        } catch (error) {
          json(res, 400, rpcError(-32700, "Parse error", null, String(error)))
          return undefined
        }
    }
  })
