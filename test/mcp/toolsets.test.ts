/**
 * Toolsets (`LLM_GATEWAY_TOOLSETS`): which tools are served, by group and by
 * CLI; a name that is no toolset is refused with the list of toolsets; and
 * the built server lists, answers and describes only the tools it serves.
 */
import { describe, expect, it } from "@effect/vitest"
import { CreateTaskResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { spawnSync } from "node:child_process"
import * as GatewayConfig from "../../src/Config.js"
import { allClis } from "../../src/domain/Cli.js"
import { instructionsFor } from "../../src/mcp/instructions.js"
import { servedTools, tools } from "../../src/mcp/tools/index.js"
import * as Toolsets from "../../src/mcp/toolsets.js"
import { binary, callTool, startGateway, tempDir } from "../e2e/harness.js"

const parsed = (value: string): Toolsets.Toolsets => Either.getOrThrow(Toolsets.parse(value))
const served = (value: string): ReadonlyArray<string> => Toolsets.select(parsed(value), tools).map((t) => t.name)
const jobTools = ["llm_job_status", "llm_job_wait", "llm_job_result", "llm_job_cancel"]
const named = (text: string) => text.match(/\b(?:llm_[a-z_]+|session_[a-z_]+|approval_[a-z_]+|list_[a-z_]+|cli_[a-z_]+|[a-z]+_request(?:_async)?)\b/g) ?? []

describe("choosing toolsets", () => {
  it("serves every tool by default, for an empty value, and for all", () => {
    for (const value of ["all", "", " , ", "ALL", "all,requests"]) {
      expect(served(value), value).toEqual(tools.map((t) => t.name))
    }
    expect(GatewayConfig.make().toolsets).toEqual(Toolsets.all)
  })

  it("claude,requests,jobs: claude's sync tool and the job tools", () => {
    expect(served("claude,requests,jobs")).toEqual(["claude_request", ...jobTools])
    expect(served(" Claude , REQUESTS,jobs ")).toEqual(["claude_request", ...jobTools])
  })

  it("each group, alone", () => {
    expect(served("requests")).toEqual(allClis.map((cli) => `${cli}_request`))
    expect(served("async")).toEqual([...allClis.map((cli) => `${cli}_request_async`), ...jobTools])
    expect(served("jobs")).toEqual(jobTools)
    expect(served("sessions")).toEqual(tools.map((t) => t.name).filter((n) => n.startsWith("session_")))
    expect(served("models")).toEqual(["list_models"])
    expect([...served("admin")].sort()).toEqual(["approval_list", "cli_upgrade", "cli_versions", "llm_process_health"])
  })

  it("CLI names limit the request tools and, alone, keep every group", () => {
    const names = served("codex,gemini")
    const requestNames = names.filter((n) => n.includes("_request"))
    expect(requestNames).toEqual(["codex_request", "gemini_request", "codex_request_async", "gemini_request_async"])
    expect(names.filter((n) => !n.includes("_request"))).toEqual(
      tools.map((t) => t.name).filter((n) => !n.includes("_request"))
    )
  })

  it("every tool belongs to a group, and the groups together are every tool", () => {
    for (const tool of tools) expect(Toolsets.groupsOf(tool.name), tool.name).toBeDefined()
    const union = new Set(Toolsets.groups.flatMap((g) => served(g)))
    expect(union.size).toBe(tools.length)
  })

  it("a name that is no toolset is refused, naming it and listing every toolset", () => {
    const refused = Toolsets.parse("claude,reqests,sesions")
    expect(Either.isLeft(refused)).toBe(true)
    if (Either.isRight(refused)) return
    expect(refused.left._tag).toBe("ToolsetsInvalid")
    expect(refused.left.unknown).toEqual(["reqests", "sesions"])
    expect(refused.left.message).toContain(`"reqests", "sesions" are not toolsets`)
    for (const name of ["all", ...Toolsets.groups, ...allClis]) expect(refused.left.message).toContain(name)
  })

  it("format says the toolsets back as a value parse reads", () => {
    for (const value of ["all", "claude", "requests,jobs", "claude,codex,async,admin"]) {
      expect(Toolsets.format(parsed(value))).toBe(value)
      expect(parsed(Toolsets.format(parsed(value)))).toEqual(parsed(value))
    }
  })

  it("warns of sync request tools without the job tools, unless every run is waited for", () => {
    expect(Toolsets.warnings(parsed("claude,requests"), 45_000)).toHaveLength(1)
    expect(Toolsets.warnings(parsed("claude,requests"), 0)).toEqual([])
    expect(Toolsets.warnings(parsed("claude,requests,jobs"), 45_000)).toEqual([])
    expect(Toolsets.warnings(parsed("all"), 45_000)).toEqual([])
  })
})

describe("LLM_GATEWAY_TOOLSETS", () => {
  const read = (env: Record<string, string>) =>
    Effect.withConfigProvider(GatewayConfig.config, ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("is read into the configuration, all when unset", () =>
    Effect.gen(function*() {
      expect((yield* read({})).toolsets).toEqual(Toolsets.all)
      expect((yield* read({ LLM_GATEWAY_TOOLSETS: "grok,async" })).toolsets).toEqual({ groups: ["async"], clis: ["grok"] })
    }))

  it.effect("a name that is no toolset is a typed config error that lists the toolsets", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(read({ LLM_GATEWAY_TOOLSETS: "claude,everything" }))
      expect(error._op).toBe("InvalidData")
      expect(String(error)).toContain("LLM_GATEWAY_TOOLSETS")
      expect(String(error)).toContain(`"everything" is not a toolset; the toolsets are all, requests, async, jobs`)
    }))
})

describe("the served tools", () => {
  it("an async twin served without its sync tool describes its own parameters", () => {
    const [alone] = servedTools(parsed("claude,async"))
    const [beside] = servedTools(parsed("claude,requests,async")).filter((t) => t.name === "claude_request_async")
    expect(alone!.name).toBe("claude_request_async")
    expect(alone!.description).not.toContain("claude_request,")
    expect(JSON.stringify(alone!.inputSchema)).toContain('"description"')
    expect(beside!.description).toContain("the parameters of claude_request but optimizeResponse")
    // Beside its twin: `prompt` alone is listed, the rest is the twin's.
    expect(Object.keys((beside!.inputSchema as unknown as { properties: object }).properties)).toEqual(["prompt"])
    expect(Object.keys((alone!.inputSchema as unknown as { properties: object }).properties)).toContain("outputFormat")
  })

  it("the instructions name only served tools", () => {
    for (const value of ["claude,requests,jobs", "requests", "async", "sessions,models", "admin", "grok"]) {
      const names = new Set(servedTools(parsed(value)).map((t) => t.name))
      const text = instructionsFor(names)
      for (const name of named(text)) expect(names.has(name), `${value}: ${name}`).toBe(true)
    }
    expect(instructionsFor(new Set(["claude_request", ...jobTools]))).toContain("claude_request answer")
  })
})

describe("the built server with LLM_GATEWAY_TOOLSETS", () => {
  it("lists, answers and describes only the tools of its toolsets", async () => {
    const gateway = await startGateway({ LLM_GATEWAY_TOOLSETS: "claude,requests,jobs" })
    try {
      const { tools: listed } = await gateway.client.listTools()
      expect(listed.map((t) => t.name)).toEqual(["claude_request", ...jobTools])
      const instructions = gateway.client.getInstructions() ?? ""
      expect(instructions).toContain("claude_request")
      expect(instructions).not.toMatch(/codex|session_create|approval_list|_request_async/)

      const reply = await callTool(gateway, "claude_request", { prompt: "toolsets" })
      expect(reply.isError ?? false).toBe(false)
      const status = await callTool(gateway, "llm_job_status", { jobId: reply.structuredContent!.jobId })
      expect(status.structuredContent!.status).toBe("completed")

      // A tool outside the toolsets is unknown, as a call and as a task.
      await expect(gateway.client.callTool({ name: "codex_request", arguments: { prompt: "x" } })).rejects.toThrow(
        /Unknown tool: codex_request/
      )
      await expect(
        gateway.client.request(
          { method: "tools/call", params: { name: "claude_request_async", arguments: { prompt: "x" }, task: { ttl: 60_000 } } },
          CreateTaskResultSchema
        )
      ).rejects.toBeInstanceOf(McpError)
    } finally {
      await gateway.close()
    }
  })

  it("refuses to start on a name that is no toolset, with the list and no stack", () => {
    const home = tempDir()
    const run = spawnSync(process.execPath, [binary], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LLM_GATEWAY_TOOLSETS: "claude,reqests" },
      input: "",
      encoding: "utf8",
      timeout: 30_000
    })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`"reqests" is not a toolset; the toolsets are all, requests, async, jobs`)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})
