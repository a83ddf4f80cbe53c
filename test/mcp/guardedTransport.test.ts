import { describe, expect, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import type { GuardEvent } from "../../src/mcp/guardedTransport.js"
import * as Guarded from "../../src/mcp/guardedTransport.js"
import * as McpServer from "../../src/mcp/McpServer.js"
import * as Tool from "../../src/mcp/Tool.js"

const budget = 256 * 1024

/** `big` answers `bytes` bytes of text (twice: text and structured), `slow` waits for `release`. */
const tools = (release: Deferred.Deferred<void>) => [
  Tool.make({
    name: "big",
    description: "test",
    input: Schema.Struct({ bytes: Schema.Number }),
    output: Schema.Struct({ text: Schema.String }),
    annotations: Tool.readOnly("big"),
    handler: ({ bytes }) => Effect.succeed({ text: "x".repeat(bytes), structured: { text: "x".repeat(bytes) } })
  }),
  Tool.make({
    name: "slow",
    description: "test",
    input: Schema.Struct({}),
    output: Schema.Struct({ done: Schema.Boolean }),
    annotations: Tool.readOnly("slow"),
    handler: () => Effect.as(Deferred.await(release), { text: "done", structured: { done: true } })
  })
]

const connected = (limits: Guarded.Limits) =>
  Effect.gen(function*() {
    const release = yield* Deferred.make<void>()
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    // The size of every message the client receives.
    const sent: Array<number> = []
    const send = serverSide.send.bind(serverSide)
    serverSide.send = (message, options) => {
      sent.push(Buffer.byteLength(JSON.stringify(message)))
      return send(message, options)
    }
    const server = yield* Effect.fork(Effect.scoped(McpServer.serve(tools(release), serverSide, [], undefined, limits)))
    const client = new Client({ name: "guard", version: "1.0.0" })
    yield* Effect.promise(() => client.connect(clientSide))
    const close = Effect.zipRight(Effect.promise(() => client.close()), Fiber.join(server))
    return { client, release, sent, close }
  })

describe("the answer budget", () => {
  it.live("an answer within the budget goes as it is; one over it is AnswerTooLarge, and the client stays connected", () =>
    Effect.gen(function*() {
      const { client, close, sent } = yield* connected({ maxAnswerBytes: budget, maxConcurrentCalls: 10 })
      const small = yield* Effect.promise(() => client.callTool({ name: "big", arguments: { bytes: 1000 } }))
      expect(small.isError).toBeUndefined()
      expect((small.structuredContent as { text: string }).text).toHaveLength(1000)

      const over = yield* Effect.promise(() => client.callTool({ name: "big", arguments: { bytes: budget } }))
      expect(over.isError).toBe(true)
      expect(over.structuredContent).toMatchObject({
        error: { _tag: "AnswerTooLarge", limit: budget, hint: expect.stringContaining("less") }
      })
      expect((over.structuredContent as any).error.bytes).toBeGreaterThan(2 * budget)
      expect(Math.max(...sent)).toBeLessThanOrEqual(budget)

      // The same client goes on.
      const after = yield* Effect.promise(() => client.callTool({ name: "big", arguments: { bytes: 10 } }))
      expect((after.structuredContent as { text: string }).text).toBe("x".repeat(10))
      yield* close
    }))

  it("an oversized answer to another method is a JSON-RPC error; an oversized notification is dropped", async () => {
    const [a, b] = InMemoryTransport.createLinkedPair()
    const events: Array<GuardEvent> = []
    const guarded = Guarded.guard(a, { maxAnswerBytes: 1000, maxConcurrentCalls: 10 }, (e) => events.push(e))
    const received: Array<any> = []
    b.onmessage = (m) => received.push(m)
    guarded.onmessage = () => {}
    await guarded.start()
    await b.start()
    await b.send({ jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: "x://y" } })
    await guarded.send({ jsonrpc: "2.0", id: 1, result: { contents: [{ uri: "x://y", text: "y".repeat(5000) }] } })
    await guarded.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "z".repeat(5000) } })
    await guarded.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "ok" } })
    expect(received).toHaveLength(2)
    expect(received[0]).toMatchObject({ id: 1, error: { code: -32603, data: { _tag: "AnswerTooLarge", limit: 1000 } } })
    expect(received[1].params.data).toBe("ok")
    expect(events.map((e) => e._tag)).toEqual(["AnswerTooLarge", "NotificationDropped"])
    await guarded.close()
  })
})

describe("the admission limit", () => {
  it.live("past maxConcurrentCalls a call is refused at once with Overloaded; ping is always answered; calls answered free a place", () =>
    Effect.gen(function*() {
      const { client, close, release } = yield* connected({ maxAnswerBytes: budget, maxConcurrentCalls: 2 })
      const slow = [1, 2].map(() => client.callTool({ name: "slow", arguments: {} }))
      yield* Effect.sleep("50 millis")
      const refused = yield* Effect.promise(() => client.callTool({ name: "big", arguments: { bytes: 1 } }))
      expect(refused.isError).toBe(true)
      expect(refused.structuredContent).toMatchObject({ error: { _tag: "Overloaded", limit: 2 } })
      const listing = yield* Effect.either(Effect.tryPromise(() => client.listTools()))
      expect(listing._tag).toBe("Left") // tools/list is a call too
      yield* Effect.promise(() => client.ping())

      yield* Deferred.succeed(release, undefined)
      const answers = yield* Effect.promise(() => Promise.all(slow))
      for (const a of answers) expect(CallToolResultSchema.parse(a).structuredContent).toEqual({ done: true })
      const admitted = yield* Effect.promise(() => client.callTool({ name: "big", arguments: { bytes: 1 } }))
      expect(admitted.structuredContent).toEqual({ text: "x" })
      yield* close
    }))

  it("a cancelled call no longer counts", async () => {
    const [a, b] = InMemoryTransport.createLinkedPair()
    const guarded = Guarded.guard(a, { maxAnswerBytes: 1e6, maxConcurrentCalls: 1 })
    const passed: Array<any> = []
    guarded.onmessage = (m) => passed.push(m)
    b.onmessage = () => {}
    await guarded.start()
    await b.start()
    await b.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow" } })
    expect(guarded.inFlight).toBe(1)
    await b.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } })
    expect(guarded.inFlight).toBe(0)
    await b.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "slow" } })
    expect(passed.filter((m) => m.method === "tools/call").map((m) => m.id)).toEqual([1, 2])
    await guarded.close()
  })

  it("transports sharing one admission share its limit; an answer, a cancel or a close gives places back", async () => {
    const admission = Guarded.makeAdmission(2)
    const limits = { maxAnswerBytes: 1e6, maxConcurrentCalls: 2, admission }
    const open = async () => {
      const [a, b] = InMemoryTransport.createLinkedPair()
      const guarded = Guarded.guard(a, limits)
      const passed: Array<any> = []
      const answers: Array<any> = []
      guarded.onmessage = (m) => passed.push(m)
      b.onmessage = (m) => answers.push(m)
      await guarded.start()
      await b.start()
      const ask = (id: number, method = "tools/call") =>
        b.send({ jsonrpc: "2.0", id, method, params: { name: "slow" } } as any)
      return { guarded, b, passed, answers, ask }
    }
    const first = await open()
    const second = await open()
    await first.ask(1)
    await second.ask(1)
    expect(admission.taken()).toBe(2)
    // A third call, on either session, is refused at once; ping is always answered.
    await second.ask(2)
    await second.ask(3, "ping")
    const refused = second.answers.find((m) => m.id === 2)
    expect(refused?.result?.structuredContent?.error?._tag ?? refused?.result?.structuredContent?._tag).toBe("Overloaded")
    expect(JSON.stringify(refused)).toContain("calls of yours already")
    expect(second.passed.map((m) => [m.id, m.method])).toEqual([[1, "tools/call"], [3, "ping"]])
    // The first session's answer gives its place back.
    await first.guarded.send({ jsonrpc: "2.0", id: 1, result: { content: [] } })
    expect(admission.taken()).toBe(1)
    await second.ask(4)
    expect(admission.taken()).toBe(2)
    await second.b.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 4 } })
    expect(admission.taken()).toBe(1)
    // A session that closes with a call still asked gives its place back.
    await second.guarded.close()
    expect(admission.taken()).toBe(0)
    await first.guarded.close()
  })
})


describe("what the guard sends", () => {
  it("serializes a result sent again once, and sends each answer whole under its own id", async () => {
    const lines: Array<string> = []
    let serialized = 0
    const inner = {
      start: async () => {},
      close: async () => {},
      send: async () => {
        throw new Error("a transport that writes text is sent the text")
      },
      sendSerialized: async (json: string) => {
        lines.push(json)
      }
    }
    const guarded = Guarded.guard(inner, { maxAnswerBytes: 1e6, maxConcurrentCalls: 10 })
    const result = { content: [{ type: "text", text: "done" }], structuredContent: { n: 1 }, toJSON: undefined as unknown }
    // A result that counts how often it is serialized.
    Object.defineProperty(result, "toJSON", {
      enumerable: false,
      value: () => (serialized++, { content: result.content, structuredContent: result.structuredContent })
    })
    await guarded.send({ jsonrpc: "2.0", id: 1, result })
    await guarded.send({ jsonrpc: "2.0", id: "two", result })
    await guarded.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } })
    expect(serialized).toBe(1)
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "done" }], structuredContent: { n: 1 } } },
      { jsonrpc: "2.0", id: "two", result: { content: [{ type: "text", text: "done" }], structuredContent: { n: 1 } } },
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } }
    ])
  })
})
