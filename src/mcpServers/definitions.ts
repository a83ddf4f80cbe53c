/**
 * The shapes of the MCP server registry: one server's definition (a
 * process on stdio, or a server over HTTP or SSE), as Claude's
 * `--mcp-config` has it, and the document that holds them by name.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * A server the CLI starts as a process and talks to over stdio.
 *
 * @since 0.1.0
 */
export const StdioServerDefinition = Schema.Struct({
  type: Schema.optionalWith(Schema.Literal("stdio"), { exact: true }),
  command: Schema.String.pipe(Schema.minLength(1, { message: () => "command must not be empty" })),
  args: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  env: Schema.optionalWith(StringMap, { exact: true })
})

/**
 * A server the CLI reaches over HTTP (streamable HTTP or SSE).
 *
 * @since 0.1.0
 */
export const RemoteServerDefinition = Schema.Struct({
  type: Schema.Literal("http", "sse"),
  url: Schema.String.pipe(Schema.minLength(1, { message: () => "url must not be empty" })),
  headers: Schema.optionalWith(StringMap, { exact: true })
})

/**
 * One server's definition, as Claude's `--mcp-config` has it.
 *
 * @since 0.1.0
 */
export const ServerDefinition = Schema.Union(StdioServerDefinition, RemoteServerDefinition)

/** @since 0.1.0 */
export type ServerDefinition = typeof ServerDefinition.Type

/**
 * A `--mcp-config` file: the servers by name.
 *
 * @since 0.1.0
 */
export const McpConfigFile = Schema.Struct({
  mcpServers: Schema.Record({ key: Schema.String, value: ServerDefinition })
})

/** @since 0.1.0 */
export interface McpConfig {
  readonly mcpServers: Readonly<Record<string, ServerDefinition>>
}
