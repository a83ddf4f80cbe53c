/**
 * A client no one here wrote: the MCP Inspector's command-line mode lists
 * the tools of the built server and calls one.
 */
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { binary, fakeBin, root } from "./harness.js"

const run = promisify(execFile)
const inspector = join(root, "node_modules/.bin/mcp-inspector")

const inspect = async (...args: ReadonlyArray<string>) => {
  const home = mkdtempSync(join(tmpdir(), "gateway-inspector-"))
  const { stdout } = await run(
    inspector,
    ["--cli", "-e", `LLM_GATEWAY_CLAUDE_BIN=${fakeBin("claude")}`, "-e", `HOME=${home}`, process.execPath, binary, ...args],
    { cwd: home, timeout: 60_000, env: { ...process.env, HOME: home } }
  )
  return JSON.parse(stdout) as Record<string, unknown>
}

describe("MCP Inspector CLI against the built server", () => {
  it("lists the request tools with their input schemas", async () => {
    const answer = await inspect("--method", "tools/list")
    const tools = answer.tools as ReadonlyArray<{ name: string; inputSchema: { required?: ReadonlyArray<string> } }>
    const names = tools.map((t) => t.name)
    expect(names).toEqual(expect.arrayContaining(["claude_request", "codex_request", "gemini_request", "grok_request"]))
    expect(tools.find((t) => t.name === "claude_request")?.inputSchema.required).toEqual(["prompt"])
  })

  it("calls claude_request and gets the reply and its structured content", async () => {
    const answer = await inspect("--method", "tools/call", "--tool-name", "claude_request", "--tool-arg", "prompt=hello inspector")
    expect(answer.isError ?? false).toBe(false)
    const content = answer.content as ReadonlyArray<{ text: string }>
    expect(content[0]?.text).toContain("hello inspector")
    expect((answer.structuredContent as { cli: string }).cli).toBe("claude")
  })
})
