/**
 * The MCP server's stdio transport: newline-delimited JSON-RPC read from
 * stdin and written to stdout, read in time linear in the bytes received,
 * with at most `maxLineBytes` of one line held in memory.
 *
 * The MCP SDK's `StdioServerTransport` joins its whole buffer on every chunk
 * and searches it from the start, so a line of n bytes costs O(n²) (a 30 MB
 * line held every other request for 25 s), and past its buffer bound it
 * closes, ending the server. Here the chunks of the current line are kept in
 * a list, only each new chunk is searched for "\n", and a line is joined and
 * decoded (UTF-8) once.
 *
 * A line over `maxLineBytes` is never held: the rest of it is dropped as it
 * streams in (only its first and last few KiB are kept), and it is answered
 * with a JSON-RPC Invalid Request error carrying its `id` when those bytes
 * name one (top-level `"id"`, before or after the large member); the lines
 * after it are served. A line that is not JSON is answered with a Parse error
 * (id null); JSON that is not a JSON-RPC message with an Invalid Request. An
 * empty line is skipped; a "\r" before the "\n" is dropped. Each refusal is
 * also reported through `onerror`, as one of the tagged errors of
 * `lineErrors` (re-exported here). The line's bytes are held by `lineBytes`.
 *
 * `send` writes one line per message and, when stdout's buffer is full,
 * resolves on its next 'drain'.
 *
 * @since 0.1.0
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { ErrorCode, type JSONRPCMessage, JSONRPCMessageSchema, type RequestId } from "@modelcontextprotocol/sdk/types.js"
import type { Readable, Writable } from "node:stream"
import { firstBytes, lastBytes, LineBytes, Tail } from "./lineBytes.js"
import { type LineError, LineNotJson, LineNotJsonRpc, LineTooLong } from "./lineErrors.js"
import { topLevelMembers } from "./lineMembers.js"

/**
 * The lines refused, as tagged errors (defined in `mcp/lineErrors`).
 *
 * @since 0.1.0
 * @category errors
 */
export { type LineError, LineNotJson, LineNotJsonRpc, LineTooLong } from "./lineErrors.js"

/**
 * The default bound of one line, in bytes (16 MiB).
 *
 * @since 0.1.0
 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024

/**
 * @since 0.1.0
 */
export interface Options {
  /** Bytes of one line, its "\n" (and a "\r" before it) not counted; a longer line is refused. Default 16 MiB. */
  readonly maxLineBytes?: number | undefined
  /**
   * Told of each line refused, besides `onerror` (which the MCP server takes over when it connects): for the
   * server's log.
   */
  readonly onLineError?: ((error: LineError) => void) | undefined
}

const NEWLINE = 0x0a
const CR = 0x0d

/**
 * A stdio server transport, for `Server.connect` (or `McpServer.serve`).
 *
 * @since 0.1.0
 * @category models
 */
export class StdioTransport implements Transport {
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  onmessage?: Transport["onmessage"]

  /** The bound of one line, in bytes. */
  readonly maxLineBytes: number

  private readonly onLineError: ((error: LineError) => void) | undefined
  private started = false
  private closed = false
  /** The current line's bytes so far, while they are within the bound. */
  private line = new LineBytes()
  /** The current line once past the bound: its first and last bytes, and how many it has had. */
  private skipping: { readonly head: Buffer; readonly tail: Tail; bytes: number } | undefined = undefined
  /** Sends waiting for stdout to drain. */
  private waiting: Array<() => void> = []

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    options: Options = {}
  ) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
    this.onLineError = options.onLineError
  }

  /** Bytes of the current, unfinished line held in memory: at most the bound (and a "\r"), then a few KiB. */
  get bufferedBytes(): number {
    return this.line.bytes + (this.skipping === undefined ? 0 : this.skipping.head.length + this.skipping.tail.bytes.length)
  }

  async start(): Promise<void> {
    if (this.started) throw new Error("StdioTransport already started")
    this.started = true
    this.stdin.on("data", this.ondata)
    this.stdin.on("error", this.onreaderror)
    this.stdout.on("drain", this.ondrain)
    // A stdout that fails is destroyed, and closes: the sends waiting on it are let go then.
    this.stdout.on("close", this.ondrain)
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(JSON.stringify(message) + "\n")
  }

  /** Sends a message its sender has already serialized (`JSON.stringify` of one JSON-RPC message). */
  sendSerialized(json: string): Promise<void> {
    return this.write(json + "\n")
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stdin.off("data", this.ondata)
    this.stdin.off("error", this.onreaderror)
    // Only when nothing else reads stdin, as the SDK's transport does.
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause()
    this.stdout.off("drain", this.ondrain)
    this.stdout.off("close", this.ondrain)
    this.ondrain()
    this.line = new LineBytes()
    this.skipping = undefined
    this.onclose?.()
  }

  /** Writes one line; resolves at once, or when stdout drains (or closes) if its buffer is full. */
  private write(line: string): Promise<void> {
    if (this.stdout.write(line) || this.closed || this.stdout.destroyed) return Promise.resolve()
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  private readonly ondrain = (): void => {
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve()
  }

  private readonly onreaderror = (error: Error): void => {
    this.onerror?.(error)
  }

  private readonly ondata = (chunk: Buffer | string): void => {
    const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk
    let start = 0
    let newline: number
    // Only the new chunk is searched: the bytes before it hold no "\n".
    while ((newline = data.indexOf(NEWLINE, start)) !== -1) {
      this.endLine(data.subarray(start, newline))
      start = newline + 1
      if (this.closed) return
    }
    if (start < data.length) this.extend(data.subarray(start))
  }

  /** Bytes of the current line, with no "\n" in them. */
  private extend(piece: Buffer): void {
    if (this.skipping !== undefined) {
      this.skipping.bytes += piece.length
      this.skipping.tail.add(piece)
      return
    }
    // One more than the bound: the line's last byte may be a "\r", which does not count.
    if (this.line.bytes + piece.length <= this.maxLineBytes + 1) return this.line.add(piece)
    const bytes = this.line.bytes + piece.length
    const parts = [...this.line.take(), piece]
    this.skipping = { head: firstBytes(parts), tail: new Tail(lastBytes(parts)), bytes }
  }

  /** The last bytes of the current line (before its "\n"): the line is complete. */
  private endLine(last: Buffer): void {
    const skipped = this.skipping
    if (skipped !== undefined) {
      this.skipping = undefined
      skipped.tail.add(last)
      const tail = skipped.tail.bytes
      const cr = tail[tail.length - 1] === CR ? 1 : 0
      return this.refuseLong(skipped.head, tail.subarray(0, tail.length - cr), skipped.bytes + last.length - cr)
    }
    const total = this.line.bytes + last.length
    const parts = this.line.take()
    if (last.length > 0) parts.push(last)
    if (total === 0) return
    const lastPart = parts[parts.length - 1]!
    const cr = lastPart[lastPart.length - 1] === CR ? 1 : 0
    if (total - cr > this.maxLineBytes) {
      const tail = lastBytes(parts)
      return this.refuseLong(firstBytes(parts), tail.subarray(0, tail.length - cr), total - cr)
    }
    // Joined once, and decoded once: a character split across chunks is whole again.
    const line = parts.length === 1 ? lastPart : Buffer.concat(parts, total)
    this.handleLine(line.toString("utf8", 0, total - cr))
  }

  private handleLine(text: string): void {
    if (text.trim() === "") return
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (cause) {
      this.answerError(null, ErrorCode.ParseError, "Parse error: the line is not JSON")
      return this.report(new LineNotJson({ message: "a line read on stdin is not JSON", cause }))
    }
    const parsed = JSONRPCMessageSchema.safeParse(value)
    if (!parsed.success) {
      const id = idOf(value)
      if (!isResponse(value)) this.answerError(id, ErrorCode.InvalidRequest, "Invalid Request: the line is not a JSON-RPC 2.0 message")
      return this.report(
        new LineNotJsonRpc({ message: "a line read on stdin is not a JSON-RPC message", id, cause: parsed.error })
      )
    }
    try {
      this.onmessage?.(parsed.data)
    } catch (error) {
      this.report(error instanceof Error ? error : new Error(String(error)))
    }
  }

  private refuseLong(head: Buffer, tail: Buffer, lineBytes: number): void {
    const members = topLevelMembers(head, tail)
    const id = members.id ?? null
    const message = `Invalid Request: the line is over ${this.maxLineBytes} bytes (it has ${lineBytes}) and was skipped`
    if (!members.response) {
      this.answerError(id, ErrorCode.InvalidRequest, message, { maxLineBytes: this.maxLineBytes, lineBytes })
    }
    this.report(new LineTooLong({ message, lineBytes, maxLineBytes: this.maxLineBytes, id }))
  }

  private answerError(id: RequestId | null, code: number, message: string, data?: unknown): void {
    const error = data === undefined ? { code, message } : { code, message, data }
    void this.write(JSON.stringify({ jsonrpc: "2.0", id, error }) + "\n")
  }

  private report(error: Error): void {
    try {
      if (error instanceof LineTooLong || error instanceof LineNotJson || error instanceof LineNotJsonRpc) {
        this.onLineError?.(error)
      }
      this.onerror?.(error)
    } catch {
      // An error handler that throws does not stop the reading.
    }
  }
}

/** The `id` of a parsed value that is not a JSON-RPC message, when it has a usable one. */
const idOf = (value: unknown): RequestId | null => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null
  const id = (value as { readonly id?: unknown }).id
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null
}

/** Whether a parsed value looks like a response (answering it could reach a request of the client's own). */
const isResponse = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !("method" in value) &&
  ("result" in value || "error" in value)
