/**
 * The answer to `tools/list`, prepared once per server: each tool's name,
 * description, JSON Schemas, annotations and task support. Deriving the JSON
 * Schemas is the costly part: the binary's were derived when it was built
 * (`preparedSchemas.ts`); a server of the library derives them once, after
 * it has answered `initialize`. Every `tools/list` gets the same object.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { Tool, ToolAnnotations } from "./Tool.js"

/**
 * One tool as `tools/list` lists it.
 *
 * @since 0.1.0
 */
export interface ListedTool {
  readonly name: string
  readonly description: string
  readonly inputSchema: { readonly type: "object"; readonly [key: string]: unknown }
  readonly outputSchema: { readonly type: "object"; readonly [key: string]: unknown }
  readonly annotations: ToolAnnotations
  readonly execution?: { readonly taskSupport: "optional" }
}

/**
 * The result of `tools/list`.
 *
 * @since 0.1.0
 */
export interface ToolList {
  readonly tools: ReadonlyArray<ListedTool>
}

/**
 * The `$id` of an output schema as listed: a hash of the schema, so tools
 * that answer alike (the request tools of every CLI, the job tools) list one
 * `$id`. The MCP SDK's `Client` compiles a validator for every output
 * schema on each `listTools`, unless its validator already holds one by that
 * `$id` (`AjvJsonSchemaValidator.getValidator`): so a client compiles each
 * distinct schema once (14 for the 29 tools), on its first `listTools`, and
 * a schema that changes (another version of the server) has another `$id`.
 * A client that compiles every schema into one Ajv without that lookup
 * (inside a `try`, as the MCP Inspector 0.x does) validates the first tool
 * of each kind and skips the others.
 *
 * @since 0.1.0
 */
export const outputSchemaId = (schema: object): string =>
  `urn:llm-cli-gateway:output:${createHash("sha256").update(JSON.stringify(schema)).digest("hex").slice(0, 12)}`

/**
 * Lists the tools; those `taskSupport` names can also be called as tasks.
 *
 * @since 0.1.0
 */
export const make = <R>(tools: ReadonlyArray<Tool<R>>, taskSupport: (tool: string) => boolean = () => false): ToolList => ({
  tools: tools.map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: t.inputSchema as ListedTool["inputSchema"],
    outputSchema: { $id: outputSchemaId(t.outputSchema), ...t.outputSchema } as unknown as ListedTool["outputSchema"],
    annotations: t.annotations,
    ...(taskSupport(t.name) ? { execution: { taskSupport: "optional" as const } } : {})
  }))
})

/**
 * What a tool costs the client's model: the UTF-8 bytes of the compact JSON
 * of its name, description and input schema (what a client puts in its
 * model's context). The output schema and annotations are for the client.
 *
 * @since 0.1.0
 */
export const modelVisibleBytes = (tool: Pick<ListedTool, "name" | "description" | "inputSchema">): number =>
  Buffer.byteLength(JSON.stringify({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema }))

/**
 * The sizes of a tool list: what the model sees, and the whole answer, in
 * UTF-8 bytes of compact JSON.
 *
 * @since 0.1.0
 */
export const sizes = (list: ToolList): { readonly tools: number; readonly modelVisible: number; readonly whole: number } => ({
  tools: list.tools.length,
  modelVisible: list.tools.reduce((sum, tool) => sum + modelVisibleBytes(tool), 0),
  whole: Buffer.byteLength(JSON.stringify(list))
})
