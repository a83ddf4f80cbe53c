/**
 * The user's registry of MCP server definitions, and the resolution of the
 * server names a request gives against it.
 *
 * The registry is a JSON file in the shape of Claude's `--mcp-config`:
 *
 * ```json
 * { "mcpServers": {
 *     "sqry": { "command": "sqry-mcp", "args": ["--stdio"], "env": { "LOG": "warn" } },
 *     "docs": { "type": "http", "url": "https://example.com/mcp", "headers": { "Authorization": "Bearer …" } } } }
 * ```
 *
 * It is read on every resolution, so edits apply to the next request
 * without a restart. A missing file is an empty registry; a file that is
 * not a regular file, larger than `MAX_REGISTRY_BYTES`, not JSON or not in
 * that shape is `McpRegistryInvalid`. Fields the gateway does not know (at
 * the top or in a definition) are tolerated, and a definition's own fields
 * are passed on to the CLI unchanged.
 *
 * The registry holds secrets (`env`, `headers`), and its path may lead
 * anywhere (a link to a key file), so its errors never quote the file:
 * they say what is wrong and where (the path; the line and column of a
 * syntax error; the JSON path of a bad field, with what was expected and
 * what kind of value was found), never a value.
 *
 * The definitions' shapes are in `definitions`, the reading and decoding of
 * the file in `registryFile`; this module is the service.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type { McpConfig, ServerDefinition } from "./definitions.js"
import { type McpRegistryInvalid, McpServersMissing } from "./errors.js"
import { readRegistry } from "./registryFile.js"

// ---------------------------------------------------------------------------
// Names, definitions and the file (re-exported)
// ---------------------------------------------------------------------------

/**
 * An MCP server name (defined with the request shapes).
 *
 * @since 0.1.0
 */
export { McpServerName } from "../domain/requests.js"

/**
 * A server's definition and the `--mcp-config` document (defined in
 * `mcpServers/definitions`).
 *
 * @since 0.1.0
 */
export {
  type McpConfig,
  McpConfigFile,
  RemoteServerDefinition,
  ServerDefinition,
  StdioServerDefinition
} from "./definitions.js"

/**
 * The registry file: its default place, its bound, its decoding (defined in
 * `mcpServers/registryFile`).
 *
 * @since 0.1.0
 */
export { defaultRegistryPath, MAX_REGISTRY_BYTES, parseRegistry, REGISTRY_FILE_NAME } from "./registryFile.js"

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

/**
 * What a list of requested names resolved to.
 *
 * @since 0.1.0
 */
export interface Resolution {
  /** The names asked for, in order, each once. */
  readonly requested: ReadonlyArray<string>
  /** The requested names the registry defines, in request order. */
  readonly enabled: ReadonlyArray<string>
  /** The requested names the registry does not define, in request order. */
  readonly missing: ReadonlyArray<string>
  /** A `--mcp-config` document holding exactly the enabled servers. */
  readonly config: McpConfig
}

/**
 * @since 0.1.0
 */
export interface McpServerRegistryShape {
  /** The registry file names are looked up in. */
  readonly registryPath: string
  /**
   * Resolves server names against the registry (read now). Missing names
   * are reported in `missing`; with `strict` they fail the resolution with
   * `McpServersMissing` instead. No names resolve to nothing, without
   * reading the registry.
   */
  readonly resolve: (
    names: ReadonlyArray<string>,
    options: { readonly strict: boolean }
  ) => Effect.Effect<Resolution, McpServersMissing | McpRegistryInvalid>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class McpServerRegistry extends Context.Tag("llm-cli-gateway/McpServerRegistry")<
  McpServerRegistry,
  McpServerRegistryShape
>() {}

const quoteList = (names: ReadonlyArray<string>) => names.map((n) => JSON.stringify(n)).join(", ")

/**
 * Resolves names against a registry already read.
 *
 * @since 0.1.0
 */
export const resolveAgainst = (
  registry: McpConfig,
  registryPath: string,
  names: ReadonlyArray<string>,
  options: { readonly strict: boolean }
): Either.Either<Resolution, McpServersMissing> => {
  const requested = [...new Set(names)]
  const enabled: Array<string> = []
  const missing: Array<string> = []
  const mcpServers: Record<string, ServerDefinition> = {}
  for (const name of requested) {
    const definition = Object.hasOwn(registry.mcpServers, name) ? registry.mcpServers[name] : undefined
    if (definition === undefined) {
      missing.push(name)
    } else {
      enabled.push(name)
      mcpServers[name] = definition
    }
  }
  if (options.strict && missing.length > 0) {
    const known = Object.keys(registry.mcpServers)
    return Either.left(
      new McpServersMissing({
        message: `MCP server${missing.length === 1 ? "" : "s"} ${quoteList(missing)} ${
          missing.length === 1 ? "is" : "are"
        } not defined in the MCP server registry ${registryPath} (${
          known.length === 0 ? "it defines none" : `it defines ${quoteList(known)}`
        }), and strictMcpConfig was asked for; define ${
          missing.length === 1 ? "it" : "them"
        } there (same shape as Claude's --mcp-config), or leave ${missing.length === 1 ? "it" : "them"} out`,
        missing,
        registryPath,
        hint:
          `Define ${missing.length === 1 ? "it" : "them"} in ${registryPath} (a JSON file shaped like Claude's --mcp-config: ` +
          `{"mcpServers": {"name": {"command": …, "args": […]}}}; LLM_GATEWAY_MCP_SERVERS sets where the registry is), ` +
          `or leave mcpServers out: a request that names none asks for none.`
      })
    )
  }
  return Either.right({ requested, enabled, missing, config: { mcpServers } })
}

const nothing: Resolution = { requested: [], enabled: [], missing: [], config: { mcpServers: {} } }

/**
 * A registry backed by the file at `registryPath`, read on every
 * resolution.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: { readonly registryPath: string }): McpServerRegistryShape => ({
  registryPath: options.registryPath,
  resolve: (names, resolveOptions) =>
    names.length === 0
      ? Effect.succeed(nothing)
      : Effect.flatMap(readRegistry(options.registryPath), (registry) =>
        resolveAgainst(registry, options.registryPath, names, resolveOptions))
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (registryPath: string): Layer.Layer<McpServerRegistry> =>
  Layer.succeed(McpServerRegistry, make({ registryPath }))

/**
 * A registry of the given definitions, in memory: for tests and for
 * embedding apps that keep no file.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (
  definitions: Readonly<Record<string, ServerDefinition>> = {}
): Layer.Layer<McpServerRegistry> => {
  const registryPath = "<in-memory MCP server registry>"
  const registry: McpConfig = { mcpServers: definitions }
  return Layer.succeed(McpServerRegistry, {
    registryPath,
    resolve: (names, options) =>
      names.length === 0 ? Effect.succeed(nothing) : resolveAgainst(registry, registryPath, names, options)
  })
}
