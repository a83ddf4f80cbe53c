/**
 * The MCP sessions of a Streamable HTTP server: each is one SDK transport
 * (and one server core on it), owned by the principal whose request opened
 * it, counted while any HTTP exchange of it is open or any call of it runs,
 * and idle from the moment the last one ended.
 *
 * @since 0.1.0
 */
import {
  type EventStore,
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions
} from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js"
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId
} from "@modelcontextprotocol/sdk/types.js"
import type { IncomingMessage, ServerResponse } from "node:http"
import { type Caller, same } from "./auth.js"
import { type Storing, storingFor } from "./eventStore.js"
import type { SessionInfo } from "./HttpSession.js"

/**
 * Options of a session's transport: the SDK's, but the event store is
 * made for the transport (it is told when to store nothing).
 *
 * @since 0.1.0
 */
export interface SessionTransportOptions extends Omit<WebStandardStreamableHTTPServerTransportOptions, "eventStore"> {
  readonly eventStore?: ((muted: () => boolean) => EventStore) | undefined
  /** Told the protocol version negotiated at `initialize`, once answered. */
  readonly onProtocolVersion?: ((version: string) => void) | undefined
}

/** The JSON-RPC requests of a POST body (one message or a batch). */
const requestIdsOf = (body: unknown): ReadonlyArray<RequestId> =>
  (Array.isArray(body) ? body : [body]).flatMap((m) => isJSONRPCRequest(m) ? [m.id] : [])

const keyOf = (id: RequestId): string => JSON.stringify(id)

/** A Node request as a web `Request` (its body, if any, is handed over parsed). */
const toWebRequest = (req: IncomingMessage): Request => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  let url: URL
  try {
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`)
  } catch {
    url = new URL(req.url ?? "/", "http://localhost")
  }
  return new Request(url, { method: req.method ?? "GET", headers })
}

/**
 * Writes a web `Response` on a Node response, streaming its body (an SSE
 * stream) until it ends; a client that goes away cancels the body (for the
 * SDK, the stream is disconnected: what is sent on it from then on is
 * stored for a resume, not lost). Resolves once the exchange is over.
 */
const writeWebResponse = async (
  res: ServerResponse,
  response: Response,
  /** Told how to drop this connection, once it streams (undefined once it is over). */
  onStreaming: (drop: (() => Promise<void>) | undefined) => void = () => {}
): Promise<void> => {
  if (res.destroyed) {
    await response.body?.cancel().catch(() => undefined)
    return
  }
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  res.writeHead(response.status, headers)
  if (response.body === null) {
    res.end()
    return
  }
  res.flushHeaders()
  const reader = response.body.getReader()
  const cancel = () => {
    reader.cancel().catch(() => undefined)
  }
  res.once("close", cancel)
  onStreaming(async () => {
    await reader.cancel().catch(() => undefined)
    res.destroy()
  })
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) break
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off("drain", go)
            res.off("close", go)
            resolve()
          }
          res.once("drain", go)
          res.once("close", go)
        })
      }
    }
  } catch {
    // The body was canceled: the client went away.
  } finally {
    onStreaming(undefined)
    res.off("close", cancel)
    res.end()
  }
}

/**
 * One session's transport: the SDK's web-standard Streamable HTTP
 * transport, spoken to from `node:http`, which says when a server has
 * connected to it (before that, a request handed to it would find no one
 * to take its messages), which calls run (a request in, its answer not yet
 * out), and which can be initialized again with a client's recorded
 * `initialize` (a session served again after a restart, or by another
 * instance). Nothing is sent once it is closed.
 *
 * @since 0.1.0
 */
export class SessionTransport implements Transport {
  /** Resolved once the server has connected (called `start`). */
  readonly started: Promise<void>
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void

  private readonly web: WebStandardStreamableHTTPServerTransport
  private resolveStarted!: () => void
  private closed = false
  private muted = false
  private readonly running = new Map<string, number>()
  /** The id of each request running, as the client sent it. */
  private readonly runningIds = new Map<string, RequestId>()
  /** The connection answering each stream now, and how to drop it. */
  private readonly answering = new Map<string, () => Promise<void>>()
  private initializeId: RequestId | undefined
  private readonly onProtocolVersion: ((version: string) => void) | undefined
  /** When a call last ended (ms since the epoch); 0 before. */
  lastCallEndedAt = 0

  constructor(options: SessionTransportOptions) {
    const { eventStore, onProtocolVersion, ...sdk } = options
    this.onProtocolVersion = onProtocolVersion
    this.web = new WebStandardStreamableHTTPServerTransport({
      ...sdk,
      ...(eventStore !== undefined ? { eventStore: eventStore(() => this.muted) } : {})
    })
    this.started = new Promise((resolve) => {
      this.resolveStarted = resolve
    })
    this.web.onmessage = (message, extra) => {
      this.received(message)
      this.onmessage?.(message, extra)
    }
    this.web.onerror = (error) => this.onerror?.(error)
    this.web.onclose = () => {
      this.closed = true
      this.running.clear()
      this.runningIds.clear()
      this.onclose?.()
    }
  }

  get sessionId(): string | undefined {
    return this.web.sessionId
  }

  /** How many calls run: requests received and not yet answered (nor canceled). */
  get inFlight(): number {
    let n = 0
    for (const count of this.running.values()) n += count
    return n
  }

  /** Whether one of these requests is being answered here now. */
  runs(ids: ReadonlyArray<RequestId>): boolean {
    return ids.some((id) => (this.running.get(keyOf(id)) ?? 0) > 0)
  }

  async start(): Promise<void> {
    await this.web.start()
    this.resolveStarted()
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) return
    const answered = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : undefined
    if (answered !== undefined) {
      this.settle(answered)
      if (this.initializeId !== undefined && answered === this.initializeId && isJSONRPCResultResponse(message)) {
        this.initializeId = undefined
        const version = (message.result as { readonly protocolVersion?: unknown }).protocolVersion
        if (typeof version === "string") this.onProtocolVersion?.(version)
      }
    }
    const related = answered ?? options?.relatedRequestId
    return storingFor.run({ requestIds: related === undefined ? [] : [related] }, () =>
      this.web.send(message, options?.relatedRequestId === undefined ? undefined : { relatedRequestId: options.relatedRequestId }))
  }

  async close(): Promise<void> {
    await this.web.close()
  }

  /**
   * Answers every call still running with the JSON-RPC error given, each on
   * its own stream (which then ends): a session that ends (DELETE) leaves
   * no call of its client waiting for an answer that cannot come.
   */
  async endCalls(error: { readonly code: number; readonly message: string; readonly data?: unknown }): Promise<void> {
    for (const id of [...this.runningIds.values()]) {
      if (this.closed) return
      // Its own answer went out meanwhile: nothing to end.
      if (!this.runningIds.has(keyOf(id))) continue
      await this.send({ jsonrpc: "2.0", id, error }).catch((e: unknown) =>
        this.onerror?.(e instanceof Error ? e : new Error(String(e)))
      )
    }
  }

  /**
   * Answers one HTTP exchange (a POST's body is handed over parsed), until
   * its response has ended. `stream` names the stream a GET answers (the
   * GET stream, or the one resumed); a POST's is learned as it opens.
   */
  async handleRequest(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown, stream?: string): Promise<void> {
    const request = toWebRequest(req)
    // The stream the POST opens answers these requests (its priming event is stored with them).
    const storing: Storing = { requestIds: requestIdsOf(parsedBody), streamId: stream }
    const response = await storingFor.run(
      storing,
      () => this.web.handleRequest(request, parsedBody === undefined ? {} : { parsedBody })
    )
    let mine: (() => Promise<void>) | undefined
    await writeWebResponse(res, response, (drop) => {
      const id = storing.streamId
      if (id === undefined || !response.ok) return
      if (drop !== undefined) this.answering.set(id, (mine = drop))
      else if (this.answering.get(id) === mine) this.answering.delete(id)
    })
  }

  /**
   * Drops the connection that answers `stream` now, if any: a client back
   * for a stream has lost the connection it had (which the server may not
   * have noticed yet), and the new one takes its place.
   */
  async supersede(stream: string): Promise<void> {
    await this.answering.get(stream)?.()
  }

  /**
   * Initializes the transport (and the server on it) again with the
   * `initialize` params a client sent when it opened the session, then
   * tells it the client is initialized; nothing of this is stored or sent
   * to a client. Fails when the SDK refuses it.
   */
  async reinitialize(params: unknown): Promise<void> {
    this.muted = true
    try {
      const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" }
      const initialize = { jsonrpc: "2.0", id: "llm-cli-gateway/restore", method: "initialize", params }
      const answer = await this.web.handleRequest(
        new Request("http://localhost/mcp", { method: "POST", headers }),
        { parsedBody: initialize }
      )
      const text = await answer.text()
      const sessionId = this.web.sessionId
      if (answer.status !== 200 || sessionId === undefined || !text.includes("\"result\"")) {
        throw new Error(`the session could not be initialized again (${answer.status}): ${text.slice(0, 200)}`)
      }
      const initialized = await this.web.handleRequest(
        new Request("http://localhost/mcp", { method: "POST", headers: { ...headers, "mcp-session-id": sessionId } }),
        { parsedBody: { jsonrpc: "2.0", method: "notifications/initialized" } }
      )
      await initialized.body?.cancel()
    } finally {
      this.muted = false
    }
  }

  private received(message: JSONRPCMessage): void {
    if (isJSONRPCRequest(message)) {
      const key = keyOf(message.id)
      this.running.set(key, (this.running.get(key) ?? 0) + 1)
      this.runningIds.set(key, message.id)
      if (message.method === "initialize") this.initializeId = message.id
    } else if (isJSONRPCNotification(message) && message.method === "notifications/cancelled") {
      const id = (message.params as { readonly requestId?: RequestId } | undefined)?.requestId
      if (id !== undefined) this.settle(id)
    }
  }

  private settle(id: RequestId): void {
    const key = keyOf(id)
    const count = this.running.get(key)
    if (count === undefined) return
    if (count <= 1) {
      this.running.delete(key)
      this.runningIds.delete(key)
    } else this.running.set(key, count - 1)
    this.lastCallEndedAt = Date.now()
  }
}

/**
 * One session: its transport, and how many of its HTTP exchanges are open.
 *
 * @since 0.1.0
 */
export class Session {
  /** HTTP exchanges of this session being answered (an open SSE stream counts). */
  private open = 0
  private lastSeen: number

  constructor(readonly info: SessionInfo, readonly transport: SessionTransport) {
    this.lastSeen = info.createdAt
  }

  /** An exchange starts. */
  begin(): void {
    this.open++
  }

  /** An exchange has ended, at `now`. */
  end(now: number): void {
    this.open = Math.max(0, this.open - 1)
    this.lastSeen = now
  }

  /**
   * Whether nothing of it is open or running, and has not been for
   * `idleMs`: a call whose client went away (its stream dropped) keeps its
   * session, so that the client can come back for the answer.
   */
  idle(now: number, idleMs: number): boolean {
    return this.open === 0 && this.transport.inFlight === 0 &&
      now - Math.max(this.lastSeen, this.transport.lastCallEndedAt) >= idleMs
  }
}

/**
 * The sessions by id.
 *
 * @since 0.1.0
 */
export class SessionTable {
  private readonly byId = new Map<string, Session>()

  get size(): number {
    return this.byId.size
  }

  /** Adds a session unless there are `limit` already; false when full. */
  add(session: Session, limit: number): boolean {
    if (this.byId.size >= limit) return false
    this.byId.set(session.info.id, session)
    return true
  }

  /** The session of an id, if `caller` opened it: another's answers exactly as an unknown one. */
  find(id: string, caller: Caller): Session | undefined {
    const session = this.byId.get(id)
    return session !== undefined && same(session.info.caller, caller) ? session : undefined
  }

  /** Whether any session has this id (whoever opened it). */
  has(id: string): boolean {
    return this.byId.has(id)
  }

  /** Forgets a session (only that one, should its id have been reused). */
  remove(session: Session): void {
    if (this.byId.get(session.info.id) === session) this.byId.delete(session.info.id)
  }

  /** The sessions with a call running. */
  busy(): ReadonlyArray<Session> {
    return [...this.byId.values()].filter((s) => s.transport.inFlight > 0)
  }

  /** The sessions idle for `idleMs` at `now`. */
  idle(now: number, idleMs: number): ReadonlyArray<Session> {
    return [...this.byId.values()].filter((s) => s.idle(now, idleMs))
  }
}
