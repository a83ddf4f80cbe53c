import { describe, expect, it } from "@effect/vitest"
import * as PreparedSchemas from "../../src/mcp/preparedSchemas.js"
import { servableTools } from "../../src/mcp/tools/index.js"

const tool = (name: string, description: string, minLength: number) => ({
  name,
  description,
  inputSchema: { type: "object", properties: { prompt: { type: "string", minLength } } },
  outputSchema: { type: "object" }
})

describe("PreparedSchemas", () => {
  it("the library has none: its tools derive their schemas", () => {
    expect(PreparedSchemas.bundled).toBeUndefined()
  })

  it("keys an entry by the tool's name and description", () => {
    const prepared = PreparedSchemas.prepare([tool("a", "one", 1), tool("a", "two", 2)])
    expect(Object.keys(prepared)).toEqual([PreparedSchemas.keyOf("a", "one"), PreparedSchemas.keyOf("a", "two")])
    expect(prepared[PreparedSchemas.keyOf("a", "two")]!.input).toEqual(tool("a", "two", 2).inputSchema)
  })

  it("refuses two tools it could not tell apart", () => {
    expect(() => PreparedSchemas.prepare([tool("a", "one", 1), tool("a", "one", 1)])).not.toThrow()
    expect(() => PreparedSchemas.prepare([tool("a", "one", 1), tool("a", "one", 2)])).toThrow(/two tools named a/)
  })

  it("tells every tool the binary can serve apart, the async tools served alone included", () => {
    const tools = servableTools()
    const prepared = PreparedSchemas.prepare(tools)
    expect(Object.keys(prepared).length).toBe(tools.length)
    for (const t of tools) {
      expect(prepared[PreparedSchemas.keyOf(t.name, t.description)], t.name).toEqual({ input: t.inputSchema, output: t.outputSchema })
    }
  })
})
