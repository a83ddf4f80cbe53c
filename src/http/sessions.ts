/**
 * The MCP sessions of a Streamable HTTP server: each is one SDK transport
 * (and one server core on it), owned by the principal whose request opened
 * it, counted while any HTTP exchange of it is open, and idle from the
 * moment the last one ended.
 *
 * @since 0.1.0
 */
import {
  StreamableHTTPServerTransport,
  type StreamableHTTPServerTransportOptions
} from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { type Caller, same } from "./auth.js"
import type { SessionInfo } from "./HttpSession.js"

/**
 * The SDK's Streamable HTTP transport for one session, which says when a
 * server has connected to it (before that, a request handed to it would
 * find no one to take its messages).
 *
 * @since 0.1.0
 */
export class SessionTransport extends StreamableHTTPServerTransport {
  /** Resolved once the server has connected (called `start`). */
  readonly started: Promise<void>
  private resolveStarted!: () => void

  constructor(options: StreamableHTTPServerTransportOptions) {
    super(options)
    this.started = new Promise((resolve) => {
      this.resolveStarted = resolve
    })
  }

  override async start(): Promise<void> {
    await super.start()
    this.resolveStarted()
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

  /** Whether nothing of it is open, and has not been for `idleMs`. */
  idle(now: number, idleMs: number): boolean {
    return this.open === 0 && now - this.lastSeen >= idleMs
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

  /** Forgets a session (only that one, should its id have been reused). */
  remove(session: Session): void {
    if (this.byId.get(session.info.id) === session) this.byId.delete(session.info.id)
  }

  /** The sessions idle for `idleMs` at `now`. */
  idle(now: number, idleMs: number): ReadonlyArray<Session> {
    return [...this.byId.values()].filter((s) => s.idle(now, idleMs))
  }
}
