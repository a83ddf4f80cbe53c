import { describe, expect, it } from "@effect/vitest"
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js"
import { CallToolRequestSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import { uniqueRequestIds } from "../../src/mcp/requestIds.js"

/** A transport in memory: `deliver` hands the server messages in one go, as one chunk of stdin would. */
class MemoryTransport implements Transport {
  readonly sent: Array<{ readonly message: JSONRPCMessage; readonly options?: TransportSendOptions | undefined }> = []
  onmessage?: Transport["onmessage"]
  onclose?: Transport["onclose"]
  onerror?: Transport["onerror"]
  sessionId?: string | undefined
  start = async () => {}
  send = async (message: JSONRPCMessage, options?: TransportSendOptions) => {
    this.sent.push({ message, options })
  }
  close = async () => {
    this.onclose?.()
  }
  deliver(...messages: ReadonlyArray<JSONRPCMessage>) {
    for (const m of messages) this.onmessage?.(m)
  }
  answers(id: string | number) {
    return this.sent.map((s) => s.message).filter((m) => "id" in m && m.id === id && !("method" in m))
  }
}

/** A server whose one tool runs until its request is aborted, or until `finish(name)` answers it. */
const serverOn = async (transport: Transport) => {
  const runs = new Map<string, { readonly signal: AbortSignal; readonly finish: () => void }>()
  const server = new Server({ name: "t", version: "1" }, { capabilities: { tools: {} } })
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    new Promise((resolve) => {
      const name = String(request.params.arguments?.["run"])
      runs.set(name, { signal: extra.signal, finish: () => resolve({ content: [{ type: "text", text: `done ${name}` }] }) })
    }))
  await server.connect(transport)
  return { server, runs }
}

const call = (id: string | number, run: string): JSONRPCMessage => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "slow", arguments: { run } }
})
const cancel = (requestId: string | number): JSONRPCMessage => ({
  jsonrpc: "2.0",
  method: "notifications/cancelled",
  params: { requestId, reason: "the client gave up" }
})

const turn = () => new Promise((r) => setImmediate(r))

describe("an id reused right after its cancel", () => {
  it("the cancel reaches the old request, the new one runs and answers under the reused id", async () => {
    const memory = new MemoryTransport()
    const { runs } = await serverOn(uniqueRequestIds(memory))
    memory.deliver(call(7, "old"))
    await turn()
    // The cancel and the new request in one chunk: the SDK applies a cancel a microtask after it reads it.
    memory.deliver(cancel(7), call(7, "new"))
    await turn()
    expect(runs.get("old")!.signal.aborted).toBe(true)
    expect(runs.get("new")!.signal.aborted).toBe(false)

    runs.get("old")!.finish()
    await turn()
    expect(memory.answers(7)).toEqual([])
    runs.get("new")!.finish()
    await turn()
    expect(memory.answers(7)).toEqual([
      { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "done new" }] } }
    ])
  })

  it("a later cancel of the reused id cancels the new request", async () => {
    const memory = new MemoryTransport()
    const { runs } = await serverOn(uniqueRequestIds(memory))
    memory.deliver(call("a", "old"))
    await turn()
    memory.deliver(cancel("a"), call("a", "new"))
    await turn()
    memory.deliver(cancel("a"))
    await turn()
    expect(runs.get("new")!.signal.aborted).toBe(true)
    runs.get("old")!.finish()
    runs.get("new")!.finish()
    await turn()
    expect(memory.answers("a")).toEqual([])
  })
})

describe("the ids the server sees", () => {
  it("differ for every request, even one that reuses a running request's id; the client's id comes back on each answer and its related messages", async () => {
    const memory = new MemoryTransport()
    const wrapped = uniqueRequestIds(memory)
    const seen: Array<JSONRPCMessage> = []
    wrapped.onmessage = (m) => seen.push(m)
    await wrapped.start()
    memory.deliver(call(1, "x"), call("1", "y"), call(1, "z"))
    const [first, second, third] = seen.map((m) => (m as { id: number }).id)
    expect(new Set([first, second, third]).size).toBe(3)
    // What is not a request of the client's passes as it is: a response to the server's own request, its requests.
    const response: JSONRPCMessage = { jsonrpc: "2.0", id: 0, result: { roots: [] } }
    memory.deliver(response)
    expect(seen[3]).toBe(response)
    const request: JSONRPCMessage = { jsonrpc: "2.0", id: 0, method: "roots/list" }
    await wrapped.send(request)
    expect(memory.sent.splice(0)).toEqual([{ message: request, options: undefined }])

    await wrapped.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } }, {
      relatedRequestId: second
    })
    await wrapped.send({ jsonrpc: "2.0", id: second!, result: {} }, { relatedRequestId: second })
    await wrapped.send({ jsonrpc: "2.0", id: first!, error: { code: -32603, message: "no" } })
    expect(memory.sent).toEqual([
      {
        message: { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } },
        options: { relatedRequestId: "1" }
      },
      { message: { jsonrpc: "2.0", id: "1", result: {} }, options: { relatedRequestId: "1" } },
      { message: { jsonrpc: "2.0", id: 1, error: { code: -32603, message: "no" } }, options: undefined }
    ])
    // Answered requests are forgotten; the one left holds the client's 1 now.
    expect([...wrapped.requestIds.external]).toEqual([[third, 1]])
    expect([...wrapped.requestIds.internal]).toEqual([[1, third]])
    await wrapped.close()
    expect(wrapped.requestIds.external.size).toBe(0)
  })

  it("a cancel of an id that nothing running holds never reaches the server", async () => {
    const memory = new MemoryTransport()
    const wrapped = uniqueRequestIds(memory)
    const seen: Array<JSONRPCMessage> = []
    wrapped.onmessage = (m) => seen.push(m)
    await wrapped.start()
    memory.deliver(call(9, "x"))
    const internal = (seen[0] as { id: number }).id
    expect(internal).not.toBe(9)
    // The number the server knows the client's 9 by is no id of the client's: its cancel must not reach 9.
    memory.deliver(cancel(internal), cancel(42))
    expect(seen).toHaveLength(1)
    memory.deliver(cancel(9))
    expect(seen[1]).toEqual({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: internal, reason: "the client gave up" }
    })
  })
})
