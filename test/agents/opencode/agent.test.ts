import { describe, expect, it } from "@effect/vitest"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import { agent } from "../../../src/agents/opencode/agent.js"
import { facts } from "../../../src/agents/opencode/facts.js"
import { OpencodeAsyncRequest } from "../../../src/agents/opencode/request.js"
import { cliInheritance } from "../../../src/process/childEnvironment.js"

const asks = (input: Record<string, unknown>) =>
  agent.asks(Schema.decodeUnknownSync(OpencodeAsyncRequest)({ prompt: "hello", ...input })).map((a) => [a.field, a.kind])

describe("opencode agent", () => {
  it("no permissions ask for nothing (the adapter denies edits, shell and fetches); autoApprove is a full bypass", () => {
    expect(asks({})).toEqual([])
    expect(asks({ autoApprove: true })).toEqual([["autoApprove", "full-bypass"]])
    expect(asks({ agent: "plan" })).toEqual([["agent", "narrowing"]])
    expect(asks({ agent: "build" })).toEqual([])
  })

  it("allowed tools by opencode's names: bash a shell, edit and its tools writers, readers read", () => {
    expect(asks({ allowedTools: ["bash"] })).toEqual([["allowedTools", "unrestricted-shell"]])
    expect(asks({ allowedTools: ["bash(*)"] })).toEqual([["allowedTools", "unrestricted-shell"]])
    expect(asks({ allowedTools: ["bash(python3 *)"] })).toEqual([["allowedTools", "unrestricted-shell"]])
    expect(asks({ allowedTools: ["bash(git *)"] })).toEqual([["allowedTools", "shell-rule"]])
    for (const tool of ["edit", "Edit", "write", "patch", "multiedit", "edit(src/*)"]) {
      expect(asks({ allowedTools: [tool] }), tool).toEqual([["allowedTools", "write"]])
    }
    expect(asks({ allowedTools: ["webfetch", "list", "lsp", "read(*.env)"] })).toEqual([["allowedTools", "read-tools"]])
    expect(asks({ allowedTools: ["docs_search", "task"] })).toEqual([["allowedTools", "unknown-tools"]])
    expect(asks({ allowedTools: ["external_directory(/srv/*)"] })).toEqual([["allowedTools", "include-dirs"]])
  })

  it("disallowed tools narrow; folders and MCP servers ask for themselves", () => {
    expect(asks({ disallowedTools: ["bash(rm *)"] })).toEqual([["disallowedTools", "narrowing"]])
    expect(asks({ addDirs: ["/srv"] })).toEqual([["addDirs", "include-dirs"]])
    expect(asks({ mcpServers: ["docs"] })).toEqual([["mcpServers", "mcp-servers"]])
  })

  it("its facts, summary and approval fields", () => {
    expect(agent.cli).toBe("opencode")
    expect(agent.label).toBe("opencode")
    expect(agent.summary).toMatch(/^Run opencode headless \(`opencode run`\)/)
    expect(agent.approvalFields).toEqual(["autoApprove", "agent", "allowedTools", "disallowedTools", "addDirs"])
    expect(facts.upgrade("latest")).toEqual({ _tag: "Npm", package: "opencode-ai" })
    expect(facts.fallbackModels[0]?.name).toBe("opencode/big-pickle")
    for (const m of facts.fallbackModels) expect(m.name).toMatch(/^[a-z]+\/./)
    expect(facts.takesMcpServers).toBe(true)
    expect(facts.npmPackage).toBe("opencode-ai")
  })

  it("the child inherits opencode's variables and the provider keys it names, nothing else", () => {
    const inherits = cliInheritance(agent.adapter({ trustWorkspace: true }).environment)
    for (const name of ["OPENCODE_CONFIG", "OPENCODE_API_KEY", "OPENCODE_AUTH_CONTENT", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENERATIVE_AI_API_KEY", "OPENROUTER_API_KEY", "XAI_API_KEY"]) {
      expect(inherits(name), name).toBe(true)
    }
    for (const name of ["ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN", "CODEX_API_KEY", "GH_TOKEN", "DASHSCOPE_API_KEY", "LLM_GATEWAY_OPENCODE_BIN"]) {
      expect(inherits(name), name).toBe(false)
    }
  })

  it("request descriptions stay short (the tool list has a size budget)", () => {
    const schema = JSONSchema.make(OpencodeAsyncRequest) as { properties: Record<string, { description?: string }> }
    for (const field of ["model", "resumeLatest", "agent", "autoApprove", "allowedTools", "disallowedTools", "addDirs"]) {
      const description = schema.properties[field]?.description ?? ""
      expect(description.length, field).toBeGreaterThan(10)
      expect(description.length, field).toBeLessThan(90)
    }
  })
})
