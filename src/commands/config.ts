/**
 * `llm-cli-gateway config CLIENT [--npx]`: a snippet that adds this server
 * to an MCP client, with this install's real paths. The snippet alone goes
 * to stdout, so it can be piped or pasted as it is; where it goes (and
 * another way to add it) goes to stderr.
 *
 * `config CLIENT --http [[HOST:]PORT]` or `--url URL`: the snippet for a
 * client of the server over Streamable HTTP instead: its URL
 * (`http://HOST:PORT/mcp`, or the `https://` URL of a TLS proxy in front)
 * and an `Authorization: Bearer <token>` header with a placeholder: no
 * token is ever printed.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { homedir, hostname } from "node:os"
import * as Address from "../http/address.js"
import {
  type Client,
  isNpxCopy,
  launchOf,
  type Place,
  remoteClientNames,
  remoteSnippetFor,
  type Snippet,
  snippetFor
} from "./clients.js"

/**
 * This install, as the snippet names it.
 *
 * @since 0.1.0
 */
export interface Install {
  /** The Node.js that runs this process. */
  readonly execPath: string
  /** The absolute path of the installed launcher (`dist/bin/llm-cli-gateway.js`). */
  readonly launcher: string
}

/**
 * @since 0.1.0
 */
export interface CommandOutput {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/**
 * Where a client reaches the server over HTTP, as `config` is asked:
 * `--url URL` as it is; `--http [HOST:]PORT` that address; `--http` alone
 * `LLM_GATEWAY_HTTP_PUBLIC_URL`, else `LLM_GATEWAY_HTTP`, of the environment.
 *
 * @since 0.1.0
 */
export interface RemoteRequest {
  /** `--http`'s value, or true for `--http` alone. */
  readonly http?: string | true | undefined
  readonly url?: string | undefined
}

/** The host a client names for a server listening on every interface: this machine's name. */
const WILDCARD = /^(0\.0\.0\.0|::|0:0:0:0:0:0:0:0)$/

/**
 * The URL of the MCP endpoint a client is given, and notes for stderr; a
 * `Left` says what is wrong.
 *
 * @since 0.1.0
 */
export const remoteUrl = (
  request: RemoteRequest,
  env: Readonly<Record<string, string | undefined>>,
  machine: string = hostname()
): Either.Either<{ readonly url: string; readonly notes: ReadonlyArray<string> }, string> => {
  const checked = (url: string, from: string) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return Either.left(`${from} is not a URL: ${JSON.stringify(url)} (expected http://HOST:PORT/mcp or https://…)`)
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return Either.left(`${from} must be an http:// or https:// URL, not ${JSON.stringify(url)}`)
    }
    if (parsed.username !== "" || parsed.password !== "") {
      return Either.left(`${from} must not carry a user or password (the token goes in the header)`)
    }
    return Either.right({ url: parsed.href, notes: [] as ReadonlyArray<string> })
  }
  const fromAddress = (text: string, from: string) =>
    Either.flatMap(Either.mapLeft(Address.parseListen(text), (e) => `${from}: ${e}`), (address) => {
      if (address.port === 0) return Either.left(`${from}: port 0 is any free port; give the port the server listens on`)
      if (!WILDCARD.test(address.host)) return Either.right({ url: Address.endpointUrl(address), notes: [] })
      const url = Address.endpointUrl({ host: machine, port: address.port })
      return Either.right({
        url,
        notes: [
          `The server listens on every interface (${Address.format(address)}): the URL names this machine as ${machine}.`,
          "Give the name clients reach it by with --url (with TLS in front: --url https://NAME/mcp)."
        ]
      })
    })
  if (request.url !== undefined) return checked(request.url, "--url")
  if (typeof request.http === "string") return fromAddress(request.http, "--http")
  const publicUrl = env["LLM_GATEWAY_HTTP_PUBLIC_URL"]
  if (publicUrl !== undefined && publicUrl.trim() !== "") return checked(publicUrl.trim(), "LLM_GATEWAY_HTTP_PUBLIC_URL")
  const listen = env["LLM_GATEWAY_HTTP"]
  if (listen !== undefined && listen.trim() !== "") return fromAddress(listen, "LLM_GATEWAY_HTTP")
  return Either.left(
    "--http needs the server's address ([HOST:]PORT, e.g. --http 8080), or LLM_GATEWAY_HTTP (or " +
      "LLM_GATEWAY_HTTP_PUBLIC_URL) set as the server has it; or give --url URL"
  )
}

/**
 * The output of `config CLIENT`. `npx`: the `npx -y llm-cli-gateway` form
 * even when this copy is installed (for a configuration shared with
 * others, whose paths differ).
 *
 * @since 0.1.0
 */
export const configCommand = (
  client: Client,
  install: Install,
  options: {
    readonly npx?: boolean | undefined
    readonly place?: Place | undefined
    /** A client of the server over HTTP (`--http`, `--url`). */
    readonly remote?: RemoteRequest | undefined
    /** This machine's name, for a server on every interface (default `os.hostname()`). */
    readonly machine?: string | undefined
  } = {}
): CommandOutput => {
  const place = options.place ?? { platform: process.platform, home: homedir(), env: process.env }
  if (options.remote !== undefined && (options.remote.http !== undefined || options.remote.url !== undefined)) {
    return remoteCommand(client, options.remote, place, options.machine)
  }
  const npxCopy = isNpxCopy(install.launcher)
  const launch = launchOf({ ...install, npx: options.npx === true || npxCopy })
  const snippet = snippetFor(client, launch, place)
  const notes = [...snippet.where]
  if (npxCopy && options.npx !== true) {
    notes.push(
      "This runs `npx -y llm-cli-gateway`: the copy you ran is npx's temporary one. For a faster start with fixed paths,",
      "install it (npm install -g llm-cli-gateway) and run `llm-cli-gateway config " + client + "` again."
    )
  }
  const listen = place.env["LLM_GATEWAY_HTTP"]
  if (listen !== undefined && listen.trim() !== "" && remoteClientNames.includes(client)) {
    notes.push(
      `LLM_GATEWAY_HTTP is set here: for a client of that server over HTTP, run \`llm-cli-gateway config ${client} --http\`.`
    )
  }
  return { stdout: snippet.text, stderr: stderrOf(notes, snippet), exitCode: 0 }
}

const stderrOf = (notes: ReadonlyArray<string>, snippet: Snippet): string => {
  const alternative = snippet.alternative === undefined
    ? ""
    : `\n${snippet.alternative.title}:\n${snippet.alternative.text}`
  return `${notes.join("\n")}\n${alternative}`
}

/** `config CLIENT --http …`: exit code 2 for a request that cannot be answered (as a usage error). */
const remoteCommand = (client: Client, request: RemoteRequest, place: Place, machine?: string): CommandOutput => {
  const refused = (message: string): CommandOutput => ({ stdout: "", stderr: `llm-cli-gateway: config: ${message}\n`, exitCode: 2 })
  const url = remoteUrl(request, place.env, machine)
  if (Either.isLeft(url)) return refused(url.left)
  const made = remoteSnippetFor(client, url.right.url, place)
  if (made._tag === "Left") return refused(made.reason)
  const notes = [...made.snippet.where, ...url.right.notes]
  if (url.right.url.startsWith("http://") && !/^http:\/\/(127\.|localhost[:/]|\[::1\])/.test(url.right.url)) {
    notes.push(
      "This URL is plain HTTP beyond this machine: the token and every prompt cross the network in clear text.",
      "Put TLS in front (a reverse proxy such as Caddy) and give its https:// URL with --url."
    )
  }
  return { stdout: made.snippet.text, stderr: stderrOf(notes, made.snippet), exitCode: 0 }
}
