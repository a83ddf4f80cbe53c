/**
 * Two bounds kept where messages cross the transport, for every request of
 * every kind, so that no single call can hurt the others:
 *
 * - **The answer budget.** No message leaves bigger than `maxAnswerBytes`
 *   (an MCP SDK client closes the connection on a message over 10 MiB, and
 *   with it every call of that client). An answer to `tools/call` or
 *   `tasks/result` that would not fit becomes the tool error
 *   `AnswerTooLarge`, saying how to ask for less; any other answer becomes a
 *   JSON-RPC error; an oversized notification is dropped and logged.
 * - **The admission limit.** At most `maxConcurrentCalls` requests are
 *   answered at once; one more is refused at once (`Overloaded`), before it
 *   costs anything. `initialize` and `ping` are always answered. The count
 *   is the transport's own unless several share one `Admission` (the
 *   sessions of one principal over HTTP do).
 *
 * The wrapper takes any SDK transport (stdio, Streamable HTTP, in-memory).
 *
 * @since 0.1.0
 */
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js"
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from "@modelcontextprotocol/sdk/types.js"
import { AnswerTooLarge, Overloaded } from "../domain/errors.js"
import { isAnswer, isRequest } from "./messageKinds.js"
import * as Results from "./results.js"

/**
 * @since 0.1.0
 */
export interface Limits {
  /** The largest message sent, in bytes of JSON. */
  readonly maxAnswerBytes: number
  /** Requests answered at once, at most. */
  readonly maxConcurrentCalls: number
  /**
   * The count that `maxConcurrentCalls` bounds, when several transports
   * share one (made with `makeAdmission`); by default each has its own.
   */
  readonly admission?: Admission | undefined
}

/**
 * Calls being answered, counted against one limit by every transport that
 * shares it.
 *
 * @since 0.1.0
 */
export interface Admission {
  /** Takes a place; false (and nothing taken) when all `limit` are taken. */
  readonly take: () => boolean
  /** Gives a place back. */
  readonly give: () => void
  /** Places taken now. */
  readonly taken: () => number
  readonly limit: number
}

/**
 * A count of at most `limit` calls at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdmission = (limit: number): Admission => {
  let taken = 0
  return {
    limit,
    take: () => {
      if (taken >= limit) return false
      taken++
      return true
    },
    give: () => {
      taken = Math.max(0, taken - 1)
    },
    taken: () => taken
  }
}

/**
 * What the guard did, for the server's log.
 *
 * @since 0.1.0
 */
export type GuardEvent =
  | { readonly _tag: "AnswerTooLarge"; readonly method: string; readonly tool?: string; readonly bytes: number }
  | { readonly _tag: "NotificationDropped"; readonly method: string; readonly bytes: number }
  | { readonly _tag: "Overloaded"; readonly method: string; readonly tool?: string }

interface Asked {
  readonly method: string
  readonly tool?: string
}

interface Held extends Asked {
  /** Whether it holds a place of the admission (`initialize` and `ping` hold none). */
  readonly placed: boolean
}

/** Requests that are always admitted: they cost nothing and a client needs them to go on. */
const ALWAYS_ADMITTED = new Set(["initialize", "ping"])

/** JSON-RPC's range for server errors: the server is busy. */
const OVERLOADED_CODE = -32000

/** How a client asks for a large answer in pieces, by tool. */
const hintFor = (tool: string | undefined): string => {
  switch (tool) {
    case "llm_job_result":
      return "pass a smaller maxChars, and read on with offset"
    case "session_list":
    case "approval_list":
      return "pass a smaller limit, and read on with nextCursor"
    default:
      return tool !== undefined && /_request$/.test(tool)
        ? `run it as ${tool}_async and read the reply in pages with llm_job_result`
        : "ask for less at a time: a smaller limit or page, or a narrower filter"
  }
}

/** A transport that can write a message already serialized (the stdio transport). */
const hasSendSerialized = (
  transport: Transport
): transport is Transport & { sendSerialized: (json: string) => Promise<void> } =>
  typeof (transport as { sendSerialized?: unknown }).sendSerialized === "function"

const keyOf = (id: RequestId): string => `${typeof id}:${String(id)}`

/** Results serialized, by result: a result sent again (a final answer, `finalAnswers.ts`) is serialized once. */
const serializedResults = new WeakMap<object, string>()

/** `JSON.stringify` of a message; of a result, reusing the result's text when it was sent before. */
const serialize = (message: JSONRPCMessage): string => {
  if (!("result" in message) || !("id" in message) || Object.keys(message).length !== 3) return JSON.stringify(message)
  const result = message.result
  let json = serializedResults.get(result)
  if (json === undefined) {
    json = JSON.stringify(result)
    serializedResults.set(result, json)
  }
  return `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${json}}`
}


/**
 * A transport that keeps the answer budget and the admission limit (see
 * the module's description) around another.
 *
 * @since 0.1.0
 * @category constructors
 */
export class GuardedTransport implements Transport {
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined
  /** The requests asked and not yet answered, each holding a place of the admission. */
  private readonly asked = new Map<string, Held>()
  private readonly admission: Admission

  constructor(
    readonly inner: Transport,
    readonly limits: Limits,
    private readonly report: (event: GuardEvent) => void = () => {}
  ) {
    this.admission = limits.admission ?? makeAdmission(limits.maxConcurrentCalls)
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId
  }

  setProtocolVersion = (version: string): void => this.inner.setProtocolVersion?.(version)

  /** Requests asked and not answered yet. */
  get inFlight(): number {
    return this.asked.size
  }

  start(): Promise<void> {
    this.inner.onclose = () => {
      // What was asked on a closed transport is never answered on it: its places go back.
      for (const held of this.asked.values()) if (held.placed) this.admission.give()
      this.asked.clear()
      this.onclose?.()
    }
    this.inner.onerror = (error) => this.onerror?.(error)
    this.inner.onmessage = (message, extra) => this.receive(message, extra)
    return this.inner.start()
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  private receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (isRequest(message)) {
      const tool = message.method === "tools/call" && typeof message.params?.name === "string"
        ? String(message.params.name).slice(0, 128)
        : undefined
      const asked: Asked = tool === undefined ? { method: message.method } : { method: message.method, tool }
      const key = keyOf(message.id)
      const before = this.asked.get(key)
      // A reused id still being answered keeps its place; any other request takes one, or is refused.
      const placed = !ALWAYS_ADMITTED.has(message.method) && (before?.placed === true || this.admission.take())
      if (!ALWAYS_ADMITTED.has(message.method) && !placed) {
        this.report({ _tag: "Overloaded", ...asked })
        this.refuse(message.id, asked).catch((error) => this.onerror?.(error))
        return
      }
      this.asked.set(key, { ...asked, placed })
    } else if ("method" in message && message.method === "notifications/cancelled") {
      // A cancelled request is not answered: it no longer counts.
      const id = (message as { params?: { requestId?: RequestId } }).params?.requestId
      if (id !== undefined) this.release(keyOf(id))
    }
    this.onmessage?.(message, extra)
  }

  private refuse(id: RequestId, asked: Asked): Promise<void> {
    const error = new Overloaded({
      message: `the server is answering ${this.admission.limit} calls ${
        this.limits.admission === undefined ? "already" : "of yours already"
      }; this one was not started`,
      limit: this.admission.limit,
      hint: "retry when one of your other calls has answered; run long requests async (*_request_async) and poll " +
        "them, or raise LLM_GATEWAY_MAX_CONCURRENT_CALLS"
    })
    return this.inner.send(
      asked.method === "tools/call" || asked.method === "tasks/result"
        ? { jsonrpc: "2.0", id, result: Results.failure(error) }
        : { jsonrpc: "2.0", id, error: { code: OVERLOADED_CODE, message: error.message, data: { _tag: error._tag } } }
    )
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const asked = isAnswer(message) ? this.answered(message.id) : undefined
    const json = serialize(message)
    const bytes = Buffer.byteLength(json, "utf8")
    if (bytes <= this.limits.maxAnswerBytes) {
      // Serialized once: a transport that writes the text takes it as it is.
      return hasSendSerialized(this.inner) ? this.inner.sendSerialized(json) : this.inner.send(message, options)
    }
    if (!isAnswer(message)) {
      this.report({ _tag: "NotificationDropped", method: "method" in message ? message.method : "?", bytes })
      return Promise.resolve()
    }
    const method = asked?.method ?? "?"
    this.report({ _tag: "AnswerTooLarge", method, ...(asked?.tool !== undefined ? { tool: asked.tool } : {}), bytes })
    const error = new AnswerTooLarge({
      message: `the answer${asked?.tool !== undefined ? ` of ${asked.tool}` : ""} would be ${bytes} bytes, over the ` +
        `server's answer budget of ${this.limits.maxAnswerBytes} bytes; nothing of it was sent`,
      bytes,
      limit: this.limits.maxAnswerBytes,
      hint: hintFor(asked?.tool)
    })
    const replacement: JSONRPCMessage = method === "tools/call" || method === "tasks/result"
      ? { jsonrpc: "2.0", id: message.id, result: Results.failure(error) }
      : {
        jsonrpc: "2.0",
        id: message.id,
        error: {
          code: -32603,
          message: `${error.message}; ${error.hint}`,
          data: { _tag: error._tag, bytes, limit: error.limit }
        }
      }
    return this.inner.send(replacement, options)
  }

  private answered(id: RequestId): Asked | undefined {
    return this.release(keyOf(id))
  }

  /** Forgets an asked request, and gives its place back. */
  private release(key: string): Asked | undefined {
    const held = this.asked.get(key)
    if (held === undefined) return undefined
    this.asked.delete(key)
    if (held.placed) this.admission.give()
    return held
  }
}

/**
 * Wraps a transport in the answer budget and the admission limit.
 *
 * @since 0.1.0
 * @category constructors
 */
export const guard = (inner: Transport, limits: Limits, report?: (event: GuardEvent) => void): GuardedTransport =>
  new GuardedTransport(inner, limits, report)
