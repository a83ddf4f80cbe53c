/**
 * The answer to `tools/list`, prepared once per server: each tool's name,
 * description, JSON Schemas, annotations and task support. Deriving the JSON
 * Schemas is the costly part; the server does it once, after it has
 * answered `initialize`, and answers every `tools/list` with the same object.
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
 * The `$id` of a tool's output schema as listed: the tool's name and a hash
 * of the schema. The MCP SDK's `Client` compiles a validator for every
 * output schema on each `listTools`, unless its validator already holds one
 * by that `$id` (`AjvJsonSchemaValidator.getValidator`): so only the first
 * `listTools` of a client compiles them, and a schema that changes (another
 * version of the server) has another `$id`. One per tool: a client that
 * compiles every schema of one list into one validator never meets an
 * `$id` twice.
 *
 * @since 0.1.0
 */
export const outputSchemaId = (tool: string, schema: object): string =>
  `urn:llm-cli-gateway:${tool}:${createHash("sha256").update(JSON.stringify(schema)).digest("hex").slice(0, 8)}`

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
    outputSchema: { $id: outputSchemaId(t.name, t.outputSchema), ...t.outputSchema } as unknown as ListedTool["outputSchema"],
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
