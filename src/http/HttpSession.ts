/**
 * The MCP session a call is served in, on a Streamable HTTP server: its id
 * and the principal that opened it. The server core of each session runs
 * with it in its context, so that what a call starts can say who asked.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type { Caller } from "./auth.js"

/**
 * @since 0.1.0
 */
export interface SessionInfo {
  /** The `Mcp-Session-Id`. */
  readonly id: string
  /** The principal that opened the session; only it is answered on it. */
  readonly caller: Caller
  /** When it was opened (ms since the epoch). */
  readonly createdAt: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export class HttpSession extends Context.Tag("llm-cli-gateway/HttpSession")<HttpSession, SessionInfo>() {}
