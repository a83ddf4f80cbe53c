/**
 * The failures of resolving MCP server names (defined in `domain/mcpServerErrors`).
 *
 * @since 0.1.0
 */
export { McpRegistryInvalid, McpServersMissing } from "../domain/mcpServerErrors.js"
