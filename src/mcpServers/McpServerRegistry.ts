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
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as AST from "effect/SchemaAST"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import { McpRegistryInvalid, McpServersMissing } from "./errors.js"
import { jsonSyntaxError } from "./jsonSyntax.js"

// ---------------------------------------------------------------------------
// Names and definitions
// ---------------------------------------------------------------------------

/**
 * An MCP server name (defined with the request shapes).
 *
 * @since 0.1.0
 */
export { McpServerName } from "../domain/requests.js"

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

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

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

/** What kind of JSON value a value is, never the value itself. */
const kindOf = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "an array"
    : typeof value === "object"
    ? "an object"
    : typeof value === "string"
    ? "a string"
    : typeof value === "number"
    ? "a number"
    : typeof value === "boolean"
    ? "a boolean"
    : "nothing"

/** What a schema expects, in words (from the schema: nothing of the file). */
const expected = (ast: AST.AST): string => {
  switch (ast._tag) {
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "a boolean"
    case "TypeLiteral":
      return "an object"
    case "TupleType":
      return "an array"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union":
      return ast.types.map(expected).join(" or ")
    case "Refinement":
    case "Transformation":
      return expected(ast._tag === "Refinement" ? ast.from : ast.to)
    default:
      return String(ast)
  }
}

/** The schema's own message for a failed check (ours never quote the value), if it has one. */
const ownMessage = (issue: ParseResult.Refinement): string | undefined => {
  const annotation = AST.getMessageAnnotation(issue.ast)
  if (annotation._tag === "None") return undefined
  const message: unknown = annotation.value(issue)
  return typeof message === "string" ? message : undefined
}

/**
 * Each problem of a decoding: where (the JSON path) and what was expected,
 * with the kind of value found, never the value (the formatters of
 * `ParseResult` quote it: `Expected string, actual "sk-…"`).
 */
const issues = (issue: ParseResult.ParseIssue, path: ReadonlyArray<string>): Array<readonly [ReadonlyArray<string>, string]> => {
  switch (issue._tag) {
    case "Pointer":
      return issues(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path]).map(String)])
    case "Composite":
      return (Array.isArray(issue.issues) ? issue.issues : [issue.issues]).flatMap((i) => issues(i, path))
    case "Refinement":
      // "From": not even the refined type; "Predicate": the type, failing the check.
      return issue.kind === "From"
        ? issues(issue.issue, path)
        : [[path, ownMessage(issue) ?? `expected ${expected(issue.ast)} that passes its check, got one that does not`]]
    case "Transformation":
      return issues(issue.issue, path)
    case "Missing":
      return [[path, "is missing"]]
    case "Unexpected":
      return [[path, "is not allowed here"]]
    case "Type":
      return [[path, `expected ${expected(issue.ast)}, got ${kindOf(issue.actual)}`]]
    case "Forbidden":
      return [[path, "could not be checked"]]
  }
}

const describeIssues = (error: ParseResult.ParseError, prefix: ReadonlyArray<string>): Array<string> =>
  issues(error.issue, prefix).map(([path, message]) => (path.length > 0 ? `at ${path.join(".")}: ` : "") + message)

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

/** Reads the registry; a file that does not exist is an empty registry. */
const readRegistry = (path: string): Effect.Effect<McpConfig, McpRegistryInvalid> =>
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
