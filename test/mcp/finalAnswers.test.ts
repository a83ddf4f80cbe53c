import { describe, expect, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { InvalidRequest } from "../../src/domain/errors.js"
import * as FinalAnswers from "../../src/mcp/finalAnswers.js"
import * as McpServer from "../../src/mcp/McpServer.js"
import * as Tool from "../../src/mcp/Tool.js"

const result = (text: string) => ({ content: [{ type: "text" as const, text }] })

describe("FinalAnswers", () => {
  const make = (capacity = 4) => {
    let now = 1_000
    const answers = FinalAnswers.make({ capacity, ttlMs: 100, now: () => now })
    return { answers, advance: (ms: number) => (now += ms) }
  }

  it("answers a kept call again, by tool and arguments, until its TTL is over", () => {
    const { advance, answers } = make()
    expect(answers.lookup("status", { jobId: "a" })).toBeUndefined()
    const kept = result("a")
    answers.keep("status", { jobId: "a" }, kept)
    expect(answers.lookup("status", { jobId: "a" })).toBe(kept)
    expect(answers.lookup("status", { jobId: "b" })).toBeUndefined()
    expect(answers.lookup("wait", { jobId: "a" })).toBeUndefined()
    advance(99)
    expect(answers.lookup("status", { jobId: "a" })).toBe(kept)
    advance(1)
    expect(answers.lookup("status", { jobId: "a" })).toBeUndefined()
  })

  it("keeps the most recent answers up to its capacity, and no call with large arguments", () => {
    const { answers } = make(2)
    answers.keep("t", { n: 1 }, result("1"))
    answers.keep("t", { n: 2 }, result("2"))
    answers.keep("t", { n: 3 }, result("3"))
    expect(answers.lookup("t", { n: 1 })).toBeUndefined()
    expect(answers.lookup("t", { n: 2 })?.content[0]?.text).toBe("2")
    expect(answers.lookup("t", { n: 3 })?.content[0]?.text).toBe("3")
    const large = { prompt: "x".repeat(2_000) }
    answers.keep("t", large, result("large"))
    expect(answers.lookup("t", large)).toBeUndefined()
  })

  it("makes no key for the calls of a tool it keeps nothing of", () => {
    const { answers } = make()
    answers.keep("status", { jobId: "a" }, result("a"))
    let serialized = 0
    const args = { toJSON: () => (serialized++, {}) }
    expect(answers.lookup("claude_request", args)).toBeUndefined()
    expect(serialized).toBe(0)
    expect(answers.lookup("status", args)).toBeUndefined()
    expect(serialized).toBe(1)
  })
})

describe("a server answers a final answer again without running its tool", () => {
  const served = Effect.gen(function*() {
    const runs: Array<string> = []
    const tool = Tool.make({
      name: "status",
      description: "test",
      input: Schema.Struct({ id: Schema.String }),
      output: Schema.Struct({ id: Schema.String, state: Schema.String }),
      annotations: Tool.readOnly("status"),
      handler: ({ id }) =>
        Effect.suspend(() => {
          runs.push(id)
          if (id === "bad") return Effect.fail(new InvalidRequest({ message: "no such thing" }))
          const done = id.startsWith("done")
          return Effect.succeed({ text: `${id} ${runs.length}`, structured: { id, state: done ? "done" : "running" }, final: done })
        })
    })
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    const server = yield* Effect.fork(Effect.scoped(McpServer.serve([tool], serverSide)))
    const client = new Client({ name: "final", version: "1.0.0" })
    yield* Effect.promise(() => client.connect(clientSide))
    const call = (id: string) =>
      Effect.promise(() => client.callTool({ name: "status", arguments: { id } })) as Effect.Effect<
        { isError?: boolean; content: Array<{ text: string }> }
      >
    const close = Effect.zipRight(Effect.promise(() => client.close()), Fiber.join(server))
    return { runs, call, close }
  })

  it.effect("a final answer is kept for a minute; others (and failures) run every time", () =>
    Effect.gen(function*() {
      const { call, close, runs } = yield* served
      const first = yield* call("done-1")
      expect(first.content[0]?.text).toBe("done-1 1")
      // Answered again as it was: the tool did not run.
      expect((yield* call("done-1")).content[0]?.text).toBe("done-1 1")
      expect(runs).toEqual(["done-1"])
      yield* call("running-1")
      yield* call("running-1")
      expect((yield* call("bad")).isError).toBe(true)
      expect((yield* call("bad")).isError).toBe(true)
      yield* call("done-2")
      expect(runs).toEqual(["done-1", "running-1", "running-1", "bad", "bad", "done-2"])
      yield* TestClock.adjust("59 seconds")
      yield* call("done-1")
      expect(runs).toHaveLength(6)
      yield* TestClock.adjust("1 second")
      expect((yield* call("done-1")).content[0]?.text).toBe("done-1 7")
      expect(runs).toHaveLength(7)
      yield* close
    }))
})
