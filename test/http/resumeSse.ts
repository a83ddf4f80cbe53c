/**
 * Raw Streamable HTTP for the resume tests: an SSE exchange read event by
 * event (so that a test can drop the connection at the moment it chooses),
 * and a session initialized by hand at protocol 2025-11-25 (whose call
 * streams open with a priming event that carries an id).
 */
import { request as httpRequest } from "node:http"
import type { ListenAddress } from "../../src/http/address.js"
import { initializeBody, raw } from "./harness.js"

export interface SseEvent {
  readonly id?: string
  readonly data: string
}

export interface SseExchange {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  /** Every event read so far. */
  readonly events: ReadonlyArray<SseEvent>
  /** The body as read so far, when it is not SSE (a JSON error). */
  readonly text: () => string
  /** The first event (read or to come) that `matches`. */
  readonly next: (matches: (event: SseEvent) => boolean, ms?: number) => Promise<SseEvent>
  /** Resolves when the server ends the response (or it is dropped). */
  readonly ended: Promise<void>
  /** Drops the connection, as a client whose network went away. */
  readonly drop: () => void
}

/** One request whose SSE answer is read as it comes. */
export const sse = (
  address: ListenAddress,
  options: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string }
): Promise<SseExchange> =>
  new Promise((resolve, reject) => {
    const events: Array<SseEvent> = []
    const waiters: Array<() => void> = []
    let buffer = ""
    let all = ""
    let endedResolve!: () => void
    const ended = new Promise<void>((r) => {
      endedResolve = r
    })
    const req = httpRequest({
      host: address.host,
      port: address.port,
      method: options.method ?? "POST",
      path: "/mcp",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...options.headers
      }
    }, (res) => {
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        all += chunk
        buffer += chunk
        let cut: number
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          let id: string | undefined
          const data: Array<string> = []
          for (const line of block.split("\n")) {
            if (line.startsWith("id:")) id = line.slice(3).trim()
            else if (line.startsWith("data:")) data.push(line.slice(5).trim())
          }
          if (id === undefined && data.length === 0) continue
          events.push({ ...(id !== undefined && id !== "" ? { id } : {}), data: data.join("\n") })
          for (const w of waiters.splice(0)) w()
        }
      })
      const done = () => {
        endedResolve()
        for (const w of waiters.splice(0)) w()
      }
      res.on("end", done)
      res.on("close", done)
      res.on("error", done)
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        text: () => all,
        ended,
        drop: () => {
          req.destroy()
          res.destroy()
        },
        next: (matches, ms = 15_000) =>
          new Promise<SseEvent>((resolveEvent, rejectEvent) => {
            const timer = setTimeout(() => rejectEvent(new Error(`no such event within ${ms} ms: ${JSON.stringify(events)}`)), ms)
            let over = false
            ended.then(() => {
              over = true
            })
            const look = () => {
              const found = events.find(matches)
              if (found !== undefined) {
                clearTimeout(timer)
                return resolveEvent(found)
              }
              if (over || res.destroyed && res.readableEnded) {
                clearTimeout(timer)
                return rejectEvent(new Error(`the stream ended without such an event: ${JSON.stringify(events)}`))
              }
              waiters.push(look)
            }
            look()
          })
      })
    })
    req.on("error", reject)
    req.end(options.body)
  })

/** The JSON-RPC message of an event (undefined for a priming event). */
export const messageOf = (event: SseEvent): any => event.data === "" ? undefined : JSON.parse(event.data)

export const PROTOCOL = "2025-11-25"

/** A session initialized by hand: its id and the headers its requests carry. */
export const rawSession = async (
  address: ListenAddress,
  extra: Record<string, string> = {}
): Promise<{ readonly id: string; readonly headers: Record<string, string> }> => {
  const opened = await raw(address, { headers: extra, body: initializeBody() })
  if (opened.status !== 200) throw new Error(`initialize answered ${opened.status}: ${opened.body}`)
  const id = opened.headers["mcp-session-id"] as string
  const headers = { ...extra, "Mcp-Session-Id": id, "Mcp-Protocol-Version": PROTOCOL }
  const initialized = await raw(address, { headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`)
  return { id, headers }
}

/** A `tools/call` body with a progress token. */
export const callBody = (id: number, name: string, args: Record<string, unknown>, progressToken: string = `p${id}`): string =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, _meta: { progressToken } } })

/** The answer among events, for request `id`. */
export const answerOf = (events: ReadonlyArray<SseEvent>, id: number): any =>
  events.map(messageOf).find((m) => m !== undefined && m.id === id && ("result" in m || "error" in m))

/** Starts a call and reads its stream up to its priming event (its id is the resume point). */
export const startCall = async (
  address: ListenAddress,
  headers: Record<string, string>,
  id: number,
  name: string,
  args: Record<string, unknown>
): Promise<{ readonly exchange: SseExchange; readonly primingId: string }> => {
  const exchange = await sse(address, { headers, body: callBody(id, name, args) })
  if (exchange.status !== 200) throw new Error(`tools/call answered ${exchange.status}`)
  const priming = await exchange.next((e) => e.id !== undefined)
  return { exchange, primingId: priming.id! }
}

/** A GET of the rest of a stream after `lastEventId`. */
export const resumeAfter = (
  address: ListenAddress,
  headers: Record<string, string>,
  lastEventId: string
): Promise<SseExchange> => sse(address, { method: "GET", headers: { ...headers, "Last-Event-ID": lastEventId } })
