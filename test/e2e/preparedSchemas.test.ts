/**
 * The binary lists the JSON Schemas its bundle was built with
 * (src/mcp/preparedSchemas.ts): for every toolset, including a CLI's async
 * tool served without its sync tool, they are exactly what the tools'
 * `effect/Schema`s derive to.
 */
import { readFileSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as ToolList from "../../src/mcp/toolList.js"
import { servedTools } from "../../src/mcp/tools/index.js"
import * as Toolsets from "../../src/mcp/toolsets.js"
import { binary, startGateway, tempDir } from "./harness.js"

const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const derived = (toolsets: string): ToolList.ToolList => {
  const parsed = Toolsets.parse(toolsets)
  if (parsed._tag === "Left") throw new Error(parsed.left.message)
  return ToolList.make(servedTools(parsed.right), () => false)
}

describe("the binary's prepared tool schemas", () => {
  it("are written into the bundle by the build", () => {
    const bundle = readFileSync(join(dirname(binary), "gateway.cjs"), "utf8")
    expect(bundle).not.toContain("__LLM_GATEWAY_PREPARED_SCHEMAS__")
    // An entry's key: the tool's name, a newline (escaped in the bundle's source), its description.
    const status = derived("jobs").tools.find((t) => t.name === "llm_job_status")!
    expect(bundle).toContain(`"llm_job_status\\n${status.description.slice(0, 20)}`)
  })

  for (const toolsets of ["all", "claude,requests,jobs", "async,jobs", "codex,async,sessions"]) {
    it(`list what the Schemas derive to (LLM_GATEWAY_TOOLSETS=${toolsets})`, async () => {
      const dir = tempDir()
      dirs.push(dir)
      const gateway = await startGateway({ LLM_GATEWAY_TOOLSETS: toolsets }, { dir })
      try {
        const listed = (await gateway.client.listTools()).tools
        const expected = derived(toolsets).tools
        expect(listed.map((t) => t.name)).toEqual(expected.map((t) => t.name))
        for (const tool of expected) {
          const served = listed.find((t) => t.name === tool.name)!
          expect(served.description, tool.name).toBe(tool.description)
          expect(served.inputSchema, tool.name).toEqual(tool.inputSchema)
          expect(served.outputSchema, tool.name).toEqual(tool.outputSchema)
        }
      } finally {
        await gateway.close()
      }
    })
  }
})
