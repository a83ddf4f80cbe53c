/**
 * The command line of the binary: which command, or why the arguments are
 * not understood (exit code 2). Pure.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { cliList } from "../domain/Cli.js"
import * as Address from "../http/address.js"
import * as Toolsets from "../mcp/toolsets.js"
import { groups } from "../mcp/toolsets.js"
import { VERSION } from "../version.js"
import { type Client, clientNames, isClient } from "./clients.js"

/**
 * @since 0.1.0
 */
export type Command =
  | { readonly _tag: "Serve"; readonly toolsets?: string | undefined; readonly http?: string | undefined }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Doctor"; readonly json: boolean }
  | {
    readonly _tag: "Config"
    readonly client: Client
    readonly npx: boolean
    /** `--http [[HOST:]PORT]`: a client of the server over Streamable HTTP (true: the address of the environment). */
    readonly http?: string | true | undefined
    /** `--url URL`: a client of the server at that URL (a TLS proxy's, say). */
    readonly url?: string | undefined
  }
  /** `token add NAME [--replace] | list | remove NAME`: its arguments, parsed when it runs (see `commands/token`). */
  | { readonly _tag: "Token"; readonly args: ReadonlyArray<string> }

/**
 * Arguments the binary does not understand.
 *
 * @since 0.1.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The exit code of a usage error. @since 0.1.0 */
export const USAGE_EXIT_CODE = 2

/**
 * @since 0.1.0
 */
export const USAGE = `Usage: llm-cli-gateway [--toolsets LIST]  serve MCP on stdin/stdout
       llm-cli-gateway --http [HOST:]PORT [--toolsets LIST]
                                          serve MCP over Streamable HTTP at http://HOST:PORT/mcp
       llm-cli-gateway doctor [--json]    check this install
       llm-cli-gateway config CLIENT [--npx | --http [[HOST:]PORT] | --url URL]
                                          print the snippet that adds this server to CLIENT
                                          (${clientNames.join(", ")})
       llm-cli-gateway token add NAME [--replace] | token list | token remove NAME
                                          manage the bearer tokens of --http
       llm-cli-gateway --version | --help
`

/**
 * @since 0.1.0
 */
export const HELP = `llm-cli-gateway ${VERSION}: an MCP server that runs the ${cliList("and")} CLIs

${USAGE}
Commands:
  (none)          Serve MCP on stdin/stdout: what an MCP client starts. stdout carries only the
                  protocol; log lines go to stderr. --toolsets LIST (or LLM_GATEWAY_TOOLSETS) serves
                  fewer tools: comma-separated groups (${groups.join(", ")}) and CLI
                  names (limit the request tools to those CLIs); default all.
  --http [HOST:]PORT
                  Serve MCP over Streamable HTTP instead (or set LLM_GATEWAY_HTTP), at
                  http://HOST:PORT/mcp; nothing is read from stdin or written to stdout. A port
                  alone binds 127.0.0.1; [::1]:PORT binds IPv6 loopback. Beyond loopback it
                  starts only with bearer tokens (\`token add NAME\`). Browser origins other than
                  loopback ones are refused (LLM_GATEWAY_HTTP_ALLOWED_ORIGINS).
  doctor          Check what serving needs, without the network and without running any agent:
                  Node.js, each CLI (where it is, its version, whether it is the right program,
                  whether a sign-in shows, and what to do if not), the database, the settings in
                  effect (secrets redacted), and with LLM_GATEWAY_HTTP set the HTTP mode (the
                  address, loopback or not, how many bearer tokens; never a token).
                  --json prints one JSON object.
                  Exit code 0: ready to serve (a missing CLI is a warning); 1: it cannot serve
                  (unusable database, invalid settings, unsupported Node.js, an HTTP address
                  beyond loopback without tokens, a tokens file refused).
  config CLIENT   Print the configuration that adds this server to an MCP client, with this
                  install's paths: Node.js and the launcher by absolute path, so that clients
                  with another PATH (desktop apps) start the same server. When this copy is
                  npx's temporary one, or with --npx (for a configuration shared with others),
                  the snippet runs \`npx -y llm-cli-gateway\` instead.
                  The snippet alone goes to stdout (pipe or paste it as it is); where it goes,
                  and another way to add it, go to stderr.
                  CLIENT: ${clientNames.join(", ")}.
                  --http [[HOST:]PORT] prints instead the snippet for a client of the server over
                  Streamable HTTP: its URL http://HOST:PORT/mcp (alone: the address of
                  LLM_GATEWAY_HTTP_PUBLIC_URL or LLM_GATEWAY_HTTP) and an
                  "Authorization: Bearer <token>" header to fill in (a token of \`token add\`;
                  none is ever printed). --url URL names the URL clients reach, e.g. the https://
                  one of a TLS proxy in front. Every CLIENT but claude-desktop takes one.
  token add NAME [--replace] | list | remove NAME
                  The bearer tokens of --http, kept as SHA-256 hashes in LLM_GATEWAY_TOKENS_FILE
                  (default tokens.json in LLM_GATEWAY_HOME; mode 0600). add prints a new token
                  once, alone on stdout; --replace issues a new one for a name that has one.
                  list prints names and creation times; remove revokes. A running server sees
                  the change within a second. Exit code 0: done; 1: the file refused.

Configuration is read from the environment (LLM_GATEWAY_*, see the README); \`doctor\` shows it.
`

const usage = (message: string) => Either.left(new UsageError({ message }))

const serveFlags = ["--toolsets", "--http"] as const

/** `serve`'s flags, in any order, each once: `--toolsets LIST`, `--http [HOST:]PORT` (or `--flag=VALUE`). */
const parseServe = (argv: ReadonlyArray<string>): Either.Either<Command, UsageError> => {
  const values: { toolsets?: string; http?: string } = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const flag = serveFlags.find((f) => arg === f || arg.startsWith(`${f}=`))
    if (flag === undefined) return usage(`unknown arguments ${JSON.stringify(argv.slice(i))}`)
    const value = arg === flag ? argv[++i] : arg.slice(flag.length + 1)
    const name = flag === "--toolsets" ? "toolsets" : "http"
    if (values[name] !== undefined) return usage(`${flag} is given twice`)
    if (flag === "--toolsets") {
      if (value === undefined || value === "") return usage(`--toolsets needs a list: ${Toolsets.names().join(", ")}`)
      const parsed = Toolsets.parse(value)
      if (Either.isLeft(parsed)) return usage(`--toolsets: ${parsed.left.message}`)
    } else {
      if (value === undefined || value === "") return usage("--http needs [HOST:]PORT, e.g. --http 8080 or --http 127.0.0.1:8080")
      const parsed = Address.parseListen(value)
      if (Either.isLeft(parsed)) return usage(`--http: ${parsed.left}`)
    }
    values[name] = value
  }
  return Either.right({ _tag: "Serve", ...values })
}

/** `config CLIENT [--npx | --http [[HOST:]PORT] | --url URL]`, in any order. */
const parseConfig = (argv: ReadonlyArray<string>): Either.Either<Command, UsageError> => {
  let npx = false
  let http: string | true | undefined
  let url: string | undefined
  const words: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--npx") {
      npx = true
    } else if (arg === "--http" || arg.startsWith("--http=")) {
      if (http !== undefined) return usage("--http is given twice")
      if (arg.startsWith("--http=")) {
        http = arg.slice("--http=".length)
        const parsed = Address.parseListen(http)
        if (Either.isLeft(parsed)) return usage(`--http: ${parsed.left}`)
      } else {
        // The next word is the address when it reads as one (`config --http cursor` names the client).
        const next = argv[i + 1]
        if (next !== undefined && Either.isRight(Address.parseListen(next))) {
          http = next
          i++
        } else http = true
      }
    } else if (arg === "--url" || arg.startsWith("--url=")) {
      if (url !== undefined) return usage("--url is given twice")
      const value = arg === "--url" ? argv[++i] : arg.slice("--url=".length)
      if (value === undefined || value === "") return usage("--url needs the URL clients reach the server at, e.g. --url https://gw.example.com/mcp")
      url = value
    } else if (arg.startsWith("-")) {
      return usage(`config takes --npx, --http and --url, not ${JSON.stringify(arg)}`)
    } else {
      words.push(arg)
    }
  }
  const [client, ...extra] = words
  if (client === undefined) return usage(`config needs a client: ${clientNames.join(", ")}`)
  if (!isClient(client)) return usage(`unknown client ${JSON.stringify(client)}; the clients are: ${clientNames.join(", ")}`)
  if (extra.length > 0) return usage(`config takes one client, not ${JSON.stringify(words)}`)
  if (npx && (http !== undefined || url !== undefined)) {
    return usage("--npx is how a client starts the server over stdio; a client of --http or --url starts nothing")
  }
  return Either.right({
    _tag: "Config",
    client,
    npx,
    ...(http !== undefined ? { http } : {}),
    ...(url !== undefined ? { url } : {})
  })
}

/**
 * The command the arguments (after the program name) ask for.
 *
 * @since 0.1.0
 */
export const parseArgs = (argv: ReadonlyArray<string>): Either.Either<Command, UsageError> => {
  const [first, ...rest] = argv
  if (first === undefined) return Either.right({ _tag: "Serve" })
  if (serveFlags.some((flag) => first === flag || first.startsWith(`${flag}=`))) return parseServe(argv)
  if (rest.length === 0 && (first === "--version" || first === "-v")) return Either.right({ _tag: "Version" })
  if (rest.length === 0 && (first === "--help" || first === "-h" || first === "help")) return Either.right({ _tag: "Help" })
  if (first === "doctor") {
    if (rest.length === 0) return Either.right({ _tag: "Doctor", json: false })
    if (rest.length === 1 && rest[0] === "--json") return Either.right({ _tag: "Doctor", json: true })
    return usage(`doctor takes only --json, not ${JSON.stringify(rest)}`)
  }
  if (first === "config") return parseConfig(rest)
  if (first === "token") return Either.right({ _tag: "Token", args: rest })
  return usage(`unknown arguments ${JSON.stringify(argv)}`)
}
