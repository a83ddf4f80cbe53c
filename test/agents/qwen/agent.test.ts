import { describe, expect, it } from "@effect/vitest"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import { agent } from "../../../src/agents/qwen/agent.js"
import { facts } from "../../../src/agents/qwen/facts.js"
import { QwenAsyncRequest } from "../../../src/agents/qwen/request.js"
import { cliInheritance } from "../../../src/process/childEnvironment.js"

const asks = (input: Record<string, unknown>) =>
  agent.asks(Schema.decodeUnknownSync(QwenAsyncRequest)({ prompt: "hello", ...input })).map((a) => [a.field, a.kind])

describe("qwen agent", () => {
  it("approval modes: yolo a full bypass, auto-edit and auto write, plan a narrowing, none nothing", () => {
    expect(asks({})).toEqual([])
    expect(asks({ approvalMode: "yolo" })).toEqual([["approvalMode", "full-bypass"]])
    expect(asks({ approvalMode: "auto-edit" })).toEqual([["approvalMode", "write"]])
    expect(asks({ approvalMode: "auto" })).toEqual([["approvalMode", "write"]])
    expect(asks({ approvalMode: "plan" })).toEqual([["approvalMode", "narrowing"]])
    expect(asks({ approvalMode: "default" })).toEqual([])
  })

  it("tools, folders and MCP servers", () => {
    expect(asks({ allowedTools: ["run_shell_command"] })).toEqual([["allowedTools", "unrestricted-shell"]])
    expect(asks({ allowedTools: ["run_shell_command(git status)", "write_file", "read_file"] })).toEqual([
      ["allowedTools", "shell-rule"],
      ["allowedTools", "write"],
      ["allowedTools", "read-tools"]
    ])
    expect(asks({ excludeTools: ["web_fetch"] })).toEqual([["excludeTools", "narrowing"]])
    expect(asks({ includeDirs: ["/srv"] })).toEqual([["includeDirs", "include-dirs"]])
    expect(asks({ mcpServers: ["docs"] })).toEqual([["mcpServers", "mcp-servers"]])
  })

  it("its facts, summary and approval fields", () => {
    expect(agent.cli).toBe("qwen")
    expect(agent.label).toBe("Qwen Code")
    expect(agent.summary).toMatch(/^Run Qwen Code headless/)
    expect(agent.approvalFields).toEqual(["approvalMode", "allowedTools", "excludeTools", "includeDirs"])
    expect(facts.upgrade("latest")).toEqual({ _tag: "Npm", package: "@qwen-code/qwen-code" })
    expect(facts.fallbackModels[0]?.name).toBe("qwen3.7-max")
    expect(facts.takesMcpServers).toBe(true)
  })

  it("the child inherits qwen's vendor variables and no other vendor's", () => {
    const inherits = cliInheritance(agent.adapter({ trustWorkspace: true }).environment)
    for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "QWEN_HOME", "DASHSCOPE_API_KEY", "BAILIAN_CODING_PLAN_API_KEY", "OPENROUTER_API_KEY"]) {
      expect(inherits(name)).toBe(true)
    }
    for (const name of ["ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY"]) expect(inherits(name)).toBe(false)
  })

  it("request descriptions stay short (the tool list has a size budget)", () => {
    const schema = JSONSchema.make(QwenAsyncRequest) as { properties: Record<string, { description?: string }> }
    // Where a field has one (the name says enough for some): short.
    for (const field of ["outputFormat", "approvalMode", "allowedTools", "maxSessionTurns"]) {
      const description = schema.properties[field]?.description ?? ""
      expect(description.length, field).toBeGreaterThan(10)
      expect(description.length, field).toBeLessThan(90)
    }
  })
})
