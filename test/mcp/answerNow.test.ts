/**
 * Answers given at once (`Tool.callNow`): a tool that declares `answerNow`
 * answers from what its services hold in memory, synchronously, with the
 * same decoding and encoding as its call; anything it cannot answer so
 * takes the call's path. The server tries it before running the call.
 */
import { describe, expect, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as McpServer from "../../src/mcp/McpServer.js"
import * as Tool from "../../src/mcp/Tool.js"

/** What the tool's service holds in memory: a state by id. */
class States extends Context.Tag("test/States")<States, Map<string, string>>() {}

const Output = Schema.Struct({ id: Schema.String, state: Schema.String, count: Schema.NumberFromString.pipe(Schema.nonNegative()) })

/** A tool whose call counts its runs, and whose answers at once come from `States`. */
const makeTool = () => {
  const runs: Array<string> = []
  const tool = Tool.make({
    name: "state",
    description: "test",
    input: Schema.Struct({ id: Schema.String }),
    output: Output,
    annotations: Tool.readOnly("state"),
    handler: ({ id }) =>
      Effect.map(States, (states) => {
        runs.push(id)
        return { text: `ran ${id}`, structured: { id, state: states.get(id) ?? "unknown", count: runs.length } }
      }),
    answerNow: ({ id }, services) => {
      const state = Context.get(services, States).get(id)
      if (state === undefined) return undefined
      if (state === "throws") throw new Error("a bug of answerNow")
      // A count its Schema refuses to encode (negative): the call's path answers instead.
      return { text: `now ${id}`, structured: { id, state, count: state === "broken" ? -1 : 0 }, final: state === "done" }
    }
  })
  return { tool, runs }
}

const states = new Map([["a", "running"], ["b", "done"], ["x", "broken"]])
const services = Context.make(States, states)

describe("Tool.callNow", () => {
  it("answers from memory, decoded and encoded as the call's answer is", () => {
    const { tool, runs } = makeTool()
    expect(tool.callNow!({ id: "a" }, services)).toEqual({ text: "now a", structured: { id: "a", state: "running", count: "0" } })
    expect(tool.callNow!({ id: "b" }, services)).toMatchObject({ final: true })
    expect(runs).toEqual([])
  })

  it("answers nothing, so the call runs, for what it cannot answer at once", () => {
    const { tool } = makeTool()
    // Not in memory; arguments that do not decode (missing, excess); an answer its Schema refuses.
    expect(tool.callNow!({ id: "z" }, services)).toBeUndefined()
    expect(tool.callNow!({}, services)).toBeUndefined()
    expect(tool.callNow!({ id: "a", more: 1 }, services)).toBeUndefined()
    expect(tool.callNow!({ id: "x" }, services)).toBeUndefined()
  })

  it("a tool without answerNow has no callNow", () => {
    const plain = Tool.make({
      name: "plain",
      description: "test",
      input: Schema.Struct({}),
      output: Schema.Struct({}),
      annotations: Tool.readOnly("plain"),
      handler: () => Effect.succeed({ text: "", structured: {} })
    })
    expect(plain.callNow).toBeUndefined()
  })
})

describe("a server gives the answers a tool has at once without running its call", () => {
  it.effect("with the services it serves with; the rest run", () =>
    Effect.gen(function*() {
      const { tool, runs } = makeTool()
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
      const server = yield* Effect.fork(
        Effect.scoped(McpServer.serve([tool], serverSide)).pipe(Effect.provideService(States, states))
      )
      const client = new Client({ name: "now", version: "1.0.0" })
      yield* Effect.promise(() => client.connect(clientSide))
      const call = (id: string) =>
        Effect.promise(() => client.callTool({ name: "state", arguments: { id } })) as Effect.Effect<
          { isError?: boolean; content: Array<{ text: string }>; structuredContent?: unknown }
        >
      const now = yield* call("a")
      expect(now.content[0]?.text).toBe("now a")
      expect(now.structuredContent).toEqual({ id: "a", state: "running", count: "0" })
      expect(runs).toEqual([])
      expect((yield* call("z")).content[0]?.text).toBe("ran z")
      expect((yield* call("x")).structuredContent).toEqual({ id: "x", state: "broken", count: "2" })
      expect(runs).toEqual(["z", "x"])
      // An answerNow that throws is a bug: the call runs instead, and answers.
      states.set("t", "throws")
      expect((yield* call("t")).content[0]?.text).toBe("ran t")
      states.delete("t")
      // A final answer given at once is kept as the call's would be.
      expect((yield* call("b")).content[0]?.text).toBe("now b")
      states.set("b", "changed")
      expect((yield* call("b")).content[0]?.text).toBe("now b")
      states.set("b", "done")
      yield* Effect.zipRight(Effect.promise(() => client.close()), Fiber.join(server))
    }))
})
