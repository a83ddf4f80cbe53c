import { describe, expect, it } from "@effect/vitest"
import { instructions } from "../../src/mcp/McpServer.js"
import { tools } from "../../src/mcp/tools/index.js"

describe("server instructions", () => {
  it("name only tools that exist (a *_request_async pattern stands for the four async tools)", () => {
    const names = new Set(tools.map((t) => t.name))
    const named = instructions.match(/\b(?:llm_[a-z_]+|[a-z]+_request(?:_async)?)\b/g) ?? []
    expect(named.length).toBeGreaterThan(5)
    for (const name of named) expect(names.has(name), name).toBe(true)
    for (const cli of ["claude", "codex", "gemini", "grok"]) expect(names.has(`${cli}_request_async`)).toBe(true)
  })
})
