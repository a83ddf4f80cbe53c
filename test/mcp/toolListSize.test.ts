/**
 * What the tool list costs: the bytes the client's model reads (the compact
 * JSON of each tool's name, description and input schema) and the whole
 * `tools/list` answer, computed from the registry, so each CLI that is
 * added is measured too. And no schema a client could read as "anything":
 * the portability rules of the MCP Inspector (`--method tools/list`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { Ajv } from "ajv"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import { allClis } from "../../src/domain/Cli.js"
import * as McpServer from "../../src/mcp/McpServer.js"
import * as Tool from "../../src/mcp/Tool.js"
import * as ToolList from "../../src/mcp/toolList.js"
import { servedTools } from "../../src/mcp/tools/index.js"
import * as Toolsets from "../../src/mcp/toolsets.js"

/**
 * Budgets, in UTF-8 bytes of compact JSON: everything served at most what
 * 1.4.0's list cost the model (21 KB, measured the same way, with its four
 * CLIs; here with all of ours), one CLI's sync tool and the job tools at
 * most 8 KB, the whole `tools/list` under 40 KB. Per CLI and for the other
 * tools, shares that keep the total within it as CLIs are added.
 */
const EVERYTHING = 21_000
const WHOLE_LIST = 40_000
const ONE_CLI_AND_JOBS = 8_000
const PER_CLI = 2_600
const OTHER_TOOLS = 5_500
/** What only the client reads (output schema, annotations), on average per tool. */
const CLIENT_ONLY_PER_TOOL = 600

const listOf = (value: string) =>
  ToolList.make(servedTools(Either.getOrThrow(Toolsets.parse(value))), (name) => name.includes("_request"))
const everything = listOf("all")
const visible = (name: string) => ToolList.modelVisibleBytes(everything.tools.find((t) => t.name === name)!)

describe("the size of the tool list", () => {
  it(`one CLI's sync tool and the job tools: at most ${ONE_CLI_AND_JOBS} bytes for the model`, () => {
    for (const cli of allClis) {
      expect(ToolList.sizes(listOf(`${cli},requests,jobs`)).modelVisible, cli).toBeLessThanOrEqual(ONE_CLI_AND_JOBS)
    }
  })

  it(`each CLI's two request tools: at most ${PER_CLI} bytes for the model`, () => {
    for (const cli of allClis) {
      expect(visible(`${cli}_request`) + visible(`${cli}_request_async`), cli).toBeLessThanOrEqual(PER_CLI)
    }
  })

  it(`the other tools: at most ${OTHER_TOOLS} bytes for the model`, () => {
    const others = everything.tools.filter((t) => !/_request(_async)?$/.test(t.name))
    expect(others.reduce((sum, t) => sum + ToolList.modelVisibleBytes(t), 0)).toBeLessThanOrEqual(OTHER_TOOLS)
  })

  it(`everything served: at most ${EVERYTHING} bytes for the model (1.4.0's 21 KB), the whole list under ${WHOLE_LIST}`, () => {
    const { modelVisible, tools, whole } = ToolList.sizes(everything)
    expect(tools).toBe(2 * allClis.length + 15)
    expect(modelVisible).toBeLessThanOrEqual(EVERYTHING)
    expect(whole).toBeLessThan(WHOLE_LIST)
    expect((whole - modelVisible) / tools).toBeLessThanOrEqual(CLIENT_ONLY_PER_TOOL)
  })

  it("an async twin beside its sync tool lists `prompt` and names its twin's parameters; alone, it lists them all", () => {
    for (const cli of allClis) {
      const asyncTool = everything.tools.find((t) => t.name === `${cli}_request_async`)!
      expect(Object.keys((asyncTool.inputSchema as unknown as { properties: object }).properties), cli).toEqual(["prompt"])
      // Not closed: the sync tool's other parameters are accepted (and decoded strictly by the server).
      expect((asyncTool.inputSchema as { additionalProperties?: unknown }).additionalProperties, cli).toBeUndefined()
      expect(asyncTool.description).toContain(`the parameters of ${cli}_request but optimizeResponse`)
      const alone = listOf(`${cli},async`).tools.find((t) => t.name === `${cli}_request_async`)!
      expect(Object.keys((alone.inputSchema as unknown as { properties: object }).properties).length, cli).toBeGreaterThan(10)
    }
  })
})

/** The MCP Inspector's schema portability findings (its `schemaLint`), for the shapes our schemas take. */
const CONSTRAINING = new Set([
  "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
  "minLength", "pattern", "format", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
  "allOf", "anyOf", "oneOf", "not", "items", "prefixItems", "contains", "properties", "patternProperties",
  "additionalProperties", "propertyNames", "$ref"
])
const findings = (schema: unknown, path: string, out: Array<string> = []): Array<string> => {
  if (typeof schema === "boolean") out.push(`${path}: a boolean schema`)
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return out
  const node = schema as Record<string, unknown>
  if (!Object.keys(node).some((k) => CONSTRAINING.has(k))) out.push(`${path}: constrains nothing (like {})`)
  if (Array.isArray(node.type)) out.push(`${path}: a type array`)
  if (typeof node.$ref === "string" && !node.$ref.startsWith("#")) out.push(`${path}: a remote $ref`)
  for (const key of ["properties", "patternProperties", "$defs"]) {
    for (const [name, sub] of Object.entries((node[key] ?? {}) as Record<string, unknown>)) findings(sub, `${path}.${key}.${name}`, out)
  }
  for (const key of ["anyOf", "allOf", "oneOf"]) {
    if (Array.isArray(node[key])) (node[key] as Array<unknown>).forEach((sub, i) => findings(sub, `${path}.${key}[${i}]`, out))
  }
  for (const key of ["items", "not", "propertyNames"]) if (key in node) findings(node[key], `${path}.${key}`, out)
  if (typeof node.additionalProperties === "object") findings(node.additionalProperties, `${path}.additionalProperties`, out)
  return out
}

describe("the schemas of the tool list", () => {
  it("every schema constrains what it admits: no {} and no boolean schema, no type array, no remote $ref", () => {
    const found = everything.tools.flatMap((t) => [
      ...findings(t.inputSchema, `${t.name}.inputSchema`),
      ...findings(t.outputSchema, `${t.name}.outputSchema`)
    ])
    expect(found).toEqual([])
    expect(findings({ type: "object", properties: { x: {} } }, "probe")).toEqual(["probe.properties.x: constrains nothing (like {})"])
  })

  it("every output schema is an object schema that ajv compiles in strict mode", () => {
    const ajv = new Ajv({ strict: true, allErrors: true })
    for (const tool of everything.tools) {
      expect(tool.outputSchema.type, tool.name).toBe("object")
      // As the SDK's validator does: a schema already compiled under its $id is looked up.
      expect(() => ajv.getSchema(tool.outputSchema.$id as string) ?? ajv.compile(tool.outputSchema), tool.name).not
        .toThrow()
    }
  })

  it("each output schema's $id is its hash: tools that answer alike share one, different schemas never do", () => {
    const ids = everything.tools.map((t) => t.outputSchema.$id as string)
    ids.forEach((id) => expect(id).toMatch(/^urn:llm-cli-gateway:output:[0-9a-f]{12}$/))
    const byId = new Map<string, string>()
    for (const tool of everything.tools) {
      const { $id, ...schema } = tool.outputSchema
      const body = JSON.stringify(schema)
      expect(byId.get($id as string) ?? body, tool.name).toBe(body)
      byId.set($id as string, body)
    }
    // The request tools of every CLI share one; so do llm_job_status, llm_job_wait and llm_job_cancel.
    const idOf = (name: string) => everything.tools.find((t) => t.name === name)!.outputSchema.$id
    expect(idOf("codex_request")).toBe(idOf("claude_request"))
    expect(idOf("llm_job_wait")).toBe(idOf("llm_job_status"))
    expect(idOf("llm_job_result")).not.toBe(idOf("llm_job_status"))
    expect(byId.size).toBeLessThan(everything.tools.length / 2 + 1)
    // Another schema, another $id: a client never validates with a stale validator.
    const probe = { type: "object", properties: { a: { type: "string" } } }
    expect(ToolList.outputSchemaId(probe)).not.toBe(ToolList.outputSchemaId({ ...probe, required: ["a"] }))
  })

  it("the SDK's validator compiles each output schema once: a client's later listTools reuse them by $id", () => {
    const ajv = new Ajv({ strict: false, allErrors: true })
    let compiled = 0
    const compile = ajv.compile.bind(ajv)
    ajv.compile = ((schema: object) => {
      compiled++
      return compile(schema)
    }) as typeof ajv.compile
    const validator = new AjvJsonSchemaValidator(ajv)
    const json = JSON.stringify(everything)
    for (let i = 0; i < 3; i++) {
      // As a client gets it: a new answer each time.
      for (const tool of (JSON.parse(json) as ToolList.ToolList).tools) validator.getValidator(tool.outputSchema)
    }
    // Once per distinct schema: the tools that answer alike share a validator.
    expect(compiled).toBe(new Set(everything.tools.map((t) => t.outputSchema.$id)).size)
    expect(compiled).toBeLessThan(everything.tools.length)
  })
})

describe("the prepared tool list", () => {
  it.live("is derived once, after the server has connected and before the client asks for it", () =>
    Effect.gen(function*() {
      let derived = 0
      const probe = Tool.make({
        name: "probe",
        description: "test",
        input: Schema.Struct({ n: Schema.Number }),
        output: Schema.Struct({ n: Schema.Number }),
        annotations: Tool.readOnly("probe"),
        handler: ({ n }) => Effect.succeed({ text: String(n), structured: { n } })
      })
      const counted: Tool.Tool<never> = {
        ...probe,
        get inputSchema() {
          derived++
          return probe.inputSchema
        },
        outputSchema: probe.outputSchema
      }
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
      const server = yield* Effect.fork(Effect.scoped(McpServer.serve([counted], serverSide)))
      const client = new Client({ name: "probe", version: "1.0.0" })
      yield* Effect.promise(() => client.connect(clientSide))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      expect(derived).toBe(1) // warmed at start, before any tools/list
      for (let i = 0; i < 3; i++) {
        const listed = yield* Effect.promise(() => client.listTools())
        expect(listed.tools.map((t) => t.name)).toEqual(["probe"])
      }
      expect(derived).toBe(1)
      yield* Effect.promise(() => client.close())
      yield* Fiber.join(server)
    }))
})
