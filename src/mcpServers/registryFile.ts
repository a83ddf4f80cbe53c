/**
 * The registry file: where it is unless told, and its reading and decoding.
 * A missing file is an empty registry; a file that is not a regular file,
 * larger than `MAX_REGISTRY_BYTES`, not JSON or not in the shape of
 * `definitions` is `McpRegistryInvalid`, whose message says what is wrong
 * and where without quoting the file (see `jsonSyntax` and `parseIssues`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import { type McpConfig, RemoteServerDefinition, type ServerDefinition, StdioServerDefinition } from "./definitions.js"
import { McpRegistryInvalid } from "./errors.js"
import { jsonSyntaxError } from "./jsonSyntax.js"
import { describeIssues, kindOf } from "./parseIssues.js"

/**
 * The registry file's name in the gateway's home folder.
 *
 * @since 0.1.0
 */
export const REGISTRY_FILE_NAME = "mcp-servers.json"

/**
 * Where the registry is when `LLM_GATEWAY_MCP_SERVERS` does not say:
 * `<home>/.llm-cli-gateway/mcp-servers.json`, `home` being the user's home
 * folder.
 *
 * @since 0.1.0
 */
export const defaultRegistryPath = (home: string): string => join(home, ".llm-cli-gateway", REGISTRY_FILE_NAME)

const decodeOptions = { errors: "all", onExcessProperty: "preserve" } as const
const decodeTop = Schema.decodeUnknownEither(
  Schema.Struct({ mcpServers: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }),
  decodeOptions
)
const decodeStdio = Schema.decodeUnknownEither(StdioServerDefinition, decodeOptions)
const decodeRemote = Schema.decodeUnknownEither(RemoteServerDefinition, decodeOptions)

/**
 * The largest registry file read (bytes); a larger one is `McpRegistryInvalid`.
 *
 * @since 0.1.0
 */
export const MAX_REGISTRY_BYTES = 4 * 1024 * 1024

/** Decodes one definition, by its `type`: what is wrong with it, or the definition. */
const decodeDefinition = (name: string, value: unknown): Either.Either<ServerDefinition, Array<string>> => {
  const at = ["mcpServers", name]
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Either.left([`at ${at.join(".")}: a server definition is an object, not ${kindOf(value)}`])
  }
  const type = (value as { readonly type?: unknown }).type
  const decoded: Either.Either<ServerDefinition, ParseResult.ParseError> | undefined = type === "http" || type === "sse"
    ? decodeRemote(value)
    : type === undefined || type === "stdio"
    ? decodeStdio(value)
    : undefined
  if (decoded === undefined) {
    return Either.left([
      `at ${at.join(".")}.type: expected "stdio", "http" or "sse", got ${
        typeof type === "string" ? "another string" : kindOf(type)
      }`
    ])
  }
  return Either.mapLeft(decoded, (error) => describeIssues(error, at))
}

/**
 * Decodes a registry document (its text) read from `path`. What is wrong
 * is said without quoting the text.
 *
 * @since 0.1.0
 */
export const parseRegistry = (text: string, path: string): Either.Either<McpConfig, McpRegistryInvalid> => {
  const invalid = (what: string) =>
    Either.left(new McpRegistryInvalid({ message: `the MCP server registry ${path} ${what}`, path }))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the text: the place and the problem are found again, without it.
    const syntax = jsonSyntaxError(text)
    return invalid(
      `is not valid JSON (${
        syntax === undefined ? "a syntax error" : `line ${syntax.line}, column ${syntax.column}: ${syntax.problem}`
      }); fix or remove the file`
    )
  }
  const shape =
    `is not in the shape of a Claude --mcp-config file ({"mcpServers": {"<name>": {"command": "…", "args": […], "env": {…}} | {"type": "http" | "sse", "url": "…", "headers": {…}}}})`
  const top = decodeTop(json)
  if (Either.isLeft(top)) return invalid(`${shape}: ${describeIssues(top.left, []).join("; ")}`)
  const mcpServers: Record<string, ServerDefinition> = {}
  const problems: Array<string> = []
  for (const [name, value] of Object.entries(top.right.mcpServers)) {
    const definition = decodeDefinition(name, value)
    if (Either.isLeft(definition)) problems.push(...definition.left)
    else mcpServers[name] = definition.right
  }
  return problems.length > 0 ? invalid(`${shape}: ${problems.join("; ")}`) : Either.right({ mcpServers })
}

/** Why a file cannot serve as the registry (a folder, a device, a pipe, a huge file), if it cannot. */
const unfit = async (path: string): Promise<string | undefined> => {
  const info = await stat(path)
  if (!info.isFile()) return "is not a regular file (a folder, device, pipe or socket); point LLM_GATEWAY_MCP_SERVERS at a JSON file"
  if (info.size > MAX_REGISTRY_BYTES) {
    return `is ${info.size} bytes, more than the ${MAX_REGISTRY_BYTES} a registry may have; is it the right file?`
  }
  return undefined
}

/**
 * Reads the registry; a file that does not exist is an empty registry.
 *
 * @since 0.1.0
 */
export const readRegistry = (path: string): Effect.Effect<McpConfig, McpRegistryInvalid> =>
  Effect.tryPromise({
    try: async () => {
      const problem = await unfit(path)
      return problem === undefined ? { text: await readFile(path, "utf8") } : { problem }
    },
    catch: (e) => e
  }).pipe(
    Effect.matchEffect({
      onFailure: (e) =>
        (e as NodeJS.ErrnoException | undefined)?.code === "ENOENT"
          ? Effect.succeed<McpConfig>({ mcpServers: {} })
          : Effect.fail(
            new McpRegistryInvalid({
              // The system's words (EACCES, EISDIR, ELOOP …), which name the path and never the content.
              message: `the MCP server registry ${path} could not be read: ${e instanceof Error ? e.message : String(e)}`,
              path
            })
          ),
      onSuccess: (read) =>
        "problem" in read
          ? Effect.fail(new McpRegistryInvalid({ message: `the MCP server registry ${path} ${read.problem}`, path }))
          : Either.match(parseRegistry(read.text, path), { onLeft: Effect.fail, onRight: Effect.succeed })
    })
  )
