/**
 * The request tools keep 1.4.0's surface: every parameter name, type, enum,
 * bound, default and the required list, with unknown fields refused.
 */
import { asyncToolAlone } from "../../src/mcp/tools/requests.js"
import type { Cli } from "../../src/domain/Cli.js"
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { ClaudeAsyncRequest } from "../../src/agents/claude/request.js"
import { CodexAsyncRequest } from "../../src/agents/codex/request.js"
import { GeminiAsyncRequest } from "../../src/agents/gemini/request.js"
import { GrokAsyncRequest } from "../../src/agents/grok/request.js"
import { inputJsonSchema } from "../../src/mcp/jsonSchema.js"
import { tools } from "../../src/mcp/tools/index.js"

interface JsonSchema {
  readonly type?: string | ReadonlyArray<string>
  readonly properties?: Record<string, JsonSchema>
  readonly required?: ReadonlyArray<string>
  readonly items?: JsonSchema
  readonly enum?: ReadonlyArray<unknown>
  readonly anyOf?: ReadonlyArray<JsonSchema>
  readonly additionalProperties?: boolean
  readonly [key: string]: unknown
}

const upstream: { tools: ReadonlyArray<{ name: string; inputSchema: JsonSchema }> } = JSON.parse(
  readFileSync(new URL("../fixtures/upstream-1.4.0-tools.json", import.meta.url), "utf8")
)

const upstreamTool = (name: string): JsonSchema => {
  const tool = upstream.tools.find((t) => t.name === name)
  if (tool === undefined) throw new Error(`no upstream tool ${name}`)
  return tool.inputSchema
}

/** The facts of a property schema that 1.4.0's clients rely on. */
const facts = (schema: JsonSchema): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const types = schema.anyOf !== undefined
    ? schema.anyOf.map((s) => s.type)
    : Array.isArray(schema.type)
    ? schema.type
    : [schema.type]
  out.type = [...types].sort()
  for (const key of ["enum", "minimum", "maximum", "minLength", "maxLength", "default"]) {
    if (schema[key] !== undefined) out[key] = schema[key]
  }
  if (schema.items !== undefined) out.items = facts(schema.items)
  return out
}

const compare = (ours: JsonSchema, theirs: JsonSchema, added: ReadonlyArray<string> = []) => {
  expect(Object.keys(ours.properties ?? {}).filter((k) => !added.includes(k)).sort()).toEqual(
    Object.keys(theirs.properties ?? {}).sort()
  )
  for (const [name, schema] of Object.entries(theirs.properties ?? {})) {
    if (name === "mcpServers") {
      // By design the names resolve against the user's registry instead of 1.4.0's four: every one of
      // those four is still accepted, and the rest of the facts hold.
      const items = ours.properties![name]!.items!
      const pattern = new RegExp(String(items.pattern))
      for (const value of schema.items!.enum ?? []) expect(pattern.test(String(value)), String(value)).toBe(true)
      // And 1.4.0's default ["sqry"] named a server a new user does not have (every answer reported it
      // missing, and strictMcpConfig failed): a request that names none asks for none.
      const { items: _ours, default: oursDefault, ...oursRest } = facts(ours.properties![name]!)
      const { items: _theirs, default: _theirsDefault, ...theirsRest } = facts(schema)
      expect({ name, ...oursRest }).toEqual({ name, ...theirsRest })
      expect(oursDefault).toEqual([])
      continue
    }
    if (name === "approvalMode") {
      // gemini's current `plan` (read-only) mode is offered beside 1.4.0's three.
      const { enum: oursEnum, ...oursRest } = facts(ours.properties![name]!)
      const { enum: theirsEnum, ...theirsRest } = facts(schema)
      expect({ name, ...oursRest }).toEqual({ name, ...theirsRest })
      expect(oursEnum).toEqual([...(theirsEnum as ReadonlyArray<unknown>), "plan"])
      continue
    }
    expect({ name, ...facts(ours.properties![name]!) }).toEqual({ name, ...facts(schema) })
  }
  expect([...(ours.required ?? [])].sort()).toEqual([...(theirs.required ?? [])].sort())
  expect(ours.additionalProperties).toBe(false)
  expect(ours.type).toBe("object")
}

/** The parameters added beyond 1.4.0's: the run's time bound, and claude's current --add-dir and --effort. */
const added = (tool: string): ReadonlyArray<string> =>
  tool.startsWith("claude_") ? ["maxRunMs", "addDirs", "effort"] : ["maxRunMs"]

describe("1.4.0 compatibility of the request tools", () => {
  for (const name of ["claude_request", "codex_request", "gemini_request", "grok_request"]) {
    it(`${name} lists 1.4.0's parameters with their types, enums, bounds and defaults`, () => {
      const tool = tools.find((t) => t.name === name)
      expect(tool).toBeDefined()
      compare(tool!.inputSchema as JsonSchema, upstreamTool(name), added(name))
    })
  }

  const asyncSchemas = {
    claude_request_async: ClaudeAsyncRequest,
    codex_request_async: CodexAsyncRequest,
    gemini_request_async: GeminiAsyncRequest,
    grok_request_async: GrokAsyncRequest
  }
  for (const [name, schema] of Object.entries(asyncSchemas)) {
    it(`the ${name} request shape matches 1.4.0 (no optimizeResponse)`, () => {
      compare(inputJsonSchema(schema) as JsonSchema, upstreamTool(name), added(name))
    })
  }

  const jobTools: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["llm_job_status", []],
    ["llm_job_result", ["offset"]],
    ["llm_job_cancel", []],
    ["llm_process_health", []]
  ]
  for (const [name, added] of jobTools) {
    it(`${name} keeps 1.4.0's parameters${added.length > 0 ? ` and adds ${added.join(", ")}` : ""}`, () => {
      const tool = tools.find((t) => t.name === name)
      expect(tool).toBeDefined()
      const theirs = upstreamTool(name)
      compare(tool!.inputSchema as JsonSchema, { ...theirs, additionalProperties: false }, added)
    })
  }

  // Beside its sync tool, an async twin lists `prompt` and names the sync tool's parameters (it takes them all,
  // decoded by the Schema above); served without its twin (a toolset of async tools alone) it lists them itself.
  for (const name of ["claude_request_async", "codex_request_async", "gemini_request_async", "grok_request_async"]) {
    it(`${name}, served alone, is listed with 1.4.0's parameters`, () => {
      const tool = asyncToolAlone(name.replace(/_request_async$/, "") as Cli)
      compare(tool.inputSchema as JsonSchema, upstreamTool(name), added(name))
    })
  }

  it("JSON Schemas are inline: no $ref, no $defs, no $schema", () => {
    for (const tool of tools) {
      const text = JSON.stringify(tool.inputSchema)
      expect(text).not.toContain("$ref")
      expect(text).not.toContain("$defs")
      expect(text).not.toContain("$schema")
    }
  })
})

describe("every listed tool", () => {
  it("has an object input schema that MCP clients accept; closed, except an async twin beside its sync tool", () => {
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object")
      // The twin lists only `prompt` and takes its sync tool's other parameters (the server decodes them strictly).
      expect(tool.inputSchema.additionalProperties).toBe(/_request_async$/.test(tool.name) ? undefined : false)
    }
  })
})
