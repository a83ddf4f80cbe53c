/**
 * The failures of resolving MCP server names against the user's registry.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A request named MCP servers that the registry does not define, and asked
 * for a strict configuration (`strictMcpConfig`), so the run did not start.
 *
 * @since 0.1.0
 */
export class McpServersMissing extends Schema.TaggedError<McpServersMissing>()("McpServersMissing", {
  message: Schema.String,
  /** The requested names the registry does not define, in request order. */
  missing: Schema.Array(Schema.String),
  /** The registry file the names were looked up in. */
  registryPath: Schema.String,
  /** What to do: define the servers in the registry (its place is `LLM_GATEWAY_MCP_SERVERS`), or leave them out. */
  hint: Schema.String
}) {}

/**
 * The registry of MCP server definitions could not be read or is not in the
 * shape of Claude's `--mcp-config` file; `message` names the file and what
 * is wrong.
 *
 * @since 0.1.0
 */
export class McpRegistryInvalid extends Schema.TaggedError<McpRegistryInvalid>()("McpRegistryInvalid", {
  message: Schema.String,
  path: Schema.String
}) {}
