/**
 * The MCP clients `llm-cli-gateway config CLIENT` writes a snippet for:
 * each one's format and where its configuration lives. Pure.
 *
 * @since 0.1.0
 */
import { posix, win32 } from "node:path"

/**
 * @since 0.1.0
 */
export const clientNames = ["claude-code", "claude-desktop", "cursor", "vscode", "codex", "gemini"] as const

/** @since 0.1.0 */
export type Client = typeof clientNames[number]

/** @since 0.1.0 */
export const isClient = (name: string): name is Client => (clientNames as ReadonlyArray<string>).includes(name)

/** The name of the server in every client's configuration. @since 0.1.0 */
export const SERVER_NAME = "llm-cli-gateway"

/**
 * How a client starts the server: a program and its arguments.
 *
 * @since 0.1.0
 */
export interface Launch {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly via: "node" | "npx"
}

/**
 * The launch of this install: Node.js and the installed launcher by their
 * absolute paths (works where PATH differs, as in desktop apps), or `npx`
 * when this copy is npx's temporary one (or `npx` is asked for).
 *
 * @since 0.1.0
 */
export const launchOf = (install: { readonly execPath: string; readonly launcher: string; readonly npx: boolean }): Launch =>
  install.npx
    ? { command: "npx", args: ["-y", SERVER_NAME], via: "npx" }
    : { command: install.execPath, args: [install.launcher], via: "node" }

/** True when the launcher is in npx's cache (`~/.npm/_npx/…`), a copy that npm may remove. @since 0.1.0 */
export const isNpxCopy = (launcher: string): boolean => /[\\/]_npx[\\/]/.test(launcher)

/**
 * A snippet: the text to paste, its format, where it goes, and another
 * way to get the same.
 *
 * @since 0.1.0
 */
export interface Snippet {
  readonly client: Client
  readonly format: "json" | "toml" | "shell"
  readonly text: string
  readonly where: ReadonlyArray<string>
  readonly alternative?: { readonly title: string; readonly format: "json" | "toml" | "shell"; readonly text: string } | undefined
}

/**
 * @since 0.1.0
 */
export interface Place {
  readonly platform: NodeJS.Platform
  readonly home: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** A word as a shell reads it back: POSIX single quotes, or Windows double quotes. */
const quote = (word: string, platform: NodeJS.Platform): string => {
  if (/^[A-Za-z0-9_/.:=@%+,-]+$/.test(word)) return word
  return platform === "win32" ? `"${word.replace(/"/g, "\\\"")}"` : `'${word.replace(/'/g, "'\\''")}'`
}

const commandLine = (words: ReadonlyArray<string>, platform: NodeJS.Platform): string =>
  words.map((w) => quote(w, platform)).join(" ")

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

/** TOML basic strings take JSON's escapes. */
const tomlString = (s: string): string => JSON.stringify(s)

const joinFor = (platform: NodeJS.Platform) => (platform === "win32" ? win32.join : posix.join)

const entry = (launch: Launch) => ({ command: launch.command, args: [...launch.args] })

const merge = (key: string) =>
  `If the file exists, add the "${SERVER_NAME}" entry to its "${key}" object; then restart the client.`

/**
 * Where the configuration file of Claude Desktop is.
 *
 * @since 0.1.0
 */
export const claudeDesktopConfig = (place: Place): string => {
  const join = joinFor(place.platform)
  switch (place.platform) {
    case "darwin":
      return join(place.home, "Library", "Application Support", "Claude", "claude_desktop_config.json")
    case "win32":
      return join(place.env["APPDATA"] ?? join(place.home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json")
    default:
      return join(place.home, ".config", "Claude", "claude_desktop_config.json")
  }
}

/**
 * The snippet for a client.
 *
 * @since 0.1.0
 */
export const snippetFor = (client: Client, launch: Launch, place: Place): Snippet => {
  const join = joinFor(place.platform)
  const servers = { mcpServers: { [SERVER_NAME]: entry(launch) } }
  switch (client) {
    case "claude-code":
      return {
        client,
        format: "shell",
        text: `${commandLine(["claude", "mcp", "add", "--scope", "user", SERVER_NAME, "--", launch.command, ...launch.args], place.platform)}\n`,
        where: [
          "Run this line in a shell: Claude Code adds the server for you in every project (--scope user).",
          "To share it with a project's team instead, put the JSON below in .mcp.json at the project's root."
        ],
        alternative: {
          title: ".mcp.json",
          format: "json",
          text: json({ mcpServers: { [SERVER_NAME]: { type: "stdio", ...entry(launch) } } })
        }
      }
    case "claude-desktop":
      return {
        client,
        format: "json",
        text: json(servers),
        where: [
          `Put this in ${claudeDesktopConfig(place)} (Settings > Developer > Edit Config opens it).`,
          merge("mcpServers"),
          "Claude Desktop does not see your shell's PATH: if a CLI is not found there, add an \"env\" object to the entry",
          "with LLM_GATEWAY_CLAUDE_BIN (and _CODEX_, _GEMINI_, _GROK_) set to the paths `llm-cli-gateway doctor` shows."
        ]
      }
    case "cursor":
      return {
        client,
        format: "json",
        text: json(servers),
        where: [
          `Put this in ${join(place.home, ".cursor", "mcp.json")} (every project), or .cursor/mcp.json in a project.`,
          merge("mcpServers")
        ]
      }
    case "vscode":
      return {
        client,
        format: "json",
        text: json({ servers: { [SERVER_NAME]: { type: "stdio", ...entry(launch) } } }),
        where: [
          "Put this in .vscode/mcp.json in your workspace, or in your user configuration",
          "(command palette: \"MCP: Open User Configuration\").",
          merge("servers")
        ]
      }
    case "codex": {
      const codexHome = place.env["CODEX_HOME"] !== undefined && place.env["CODEX_HOME"] !== ""
        ? place.env["CODEX_HOME"]
        : join(place.home, ".codex")
      return {
        client,
        format: "toml",
        text: `[mcp_servers.${SERVER_NAME}]\ncommand = ${tomlString(launch.command)}\nargs = [${launch.args.map(tomlString).join(", ")}]\n`,
        where: [
          `Add this to ${join(codexHome, "config.toml")} (replace an existing [mcp_servers.${SERVER_NAME}] table).`,
          "Or run the line below, which writes the same table."
        ],
        alternative: {
          title: "codex mcp add",
          format: "shell",
          text: `${commandLine(["codex", "mcp", "add", SERVER_NAME, "--", launch.command, ...launch.args], place.platform)}\n`
        }
      }
    }
    case "gemini":
      return {
        client,
        format: "json",
        text: json(servers),
        where: [
          `Put this in ${join(place.home, ".gemini", "settings.json")} (every project), or .gemini/settings.json in a project.`,
          merge("mcpServers")
        ]
      }
  }
}

// ---------------------------------------------------------------------------
// A server reached over Streamable HTTP (`--http`)
// ---------------------------------------------------------------------------

/**
 * The clients that add a server by URL (Streamable HTTP) from a snippet.
 * Claude Desktop adds remote servers only as connectors, in its settings.
 *
 * @since 0.1.0
 */
export const remoteClientNames: ReadonlyArray<Client> = ["claude-code", "cursor", "vscode", "codex", "gemini"]

/**
 * What a snippet has in place of the bearer token: the token itself is
 * never printed (`llm-cli-gateway token add NAME` prints it once).
 *
 * @since 0.1.0
 */
export const TOKEN_PLACEHOLDER = "<token>"

/**
 * The variable Codex reads the bearer token from (its configuration takes
 * a variable's name, not a token).
 *
 * @since 0.1.0
 */
export const TOKEN_VARIABLE = "LLM_CLI_GATEWAY_TOKEN"

const bearer = `Bearer ${TOKEN_PLACEHOLDER}`

const tokenNote = (where: string) =>
  `Replace ${TOKEN_PLACEHOLDER} ${where} with a token of \`llm-cli-gateway token add NAME\` (run where the server runs; ` +
  "it prints the token once). A server on loopback without tokens needs no header: remove it."

/**
 * The snippet that adds the server at `url` (its MCP endpoint,
 * `http://HOST:PORT/mcp`, or the `https://` URL of a TLS proxy in front)
 * to a client, with a bearer token placeholder; a `Left` says why the
 * client cannot take one.
 *
 * @since 0.1.0
 */
export const remoteSnippetFor = (client: Client, url: string, place: Place): { readonly _tag: "Right"; readonly snippet: Snippet } | {
  readonly _tag: "Left"
  readonly reason: string
} => {
  const join = joinFor(place.platform)
  const right = (snippet: Snippet) => ({ _tag: "Right" as const, snippet })
  switch (client) {
    case "claude-code":
      return right({
        client,
        format: "shell",
        text: `${
          commandLine(
            ["claude", "mcp", "add", "--transport", "http", "--scope", "user", SERVER_NAME, url, "--header", `Authorization: ${bearer}`],
            place.platform
          )
        }\n`,
        where: [
          "Run this line in a shell: Claude Code adds the server for you in every project (--scope user).",
          tokenNote("in it"),
          "To share it with a project's team instead, put the JSON below in .mcp.json at the project's root; it reads the",
          `token from the variable ${TOKEN_VARIABLE} of each user's environment, so that no token is committed.`
        ],
        alternative: {
          title: ".mcp.json",
          format: "json",
          text: json({
            mcpServers: { [SERVER_NAME]: { type: "http", url, headers: { Authorization: `Bearer \${${TOKEN_VARIABLE}}` } } }
          })
        }
      })
    case "cursor":
      return right({
        client,
        format: "json",
        text: json({ mcpServers: { [SERVER_NAME]: { url, headers: { Authorization: bearer } } } }),
        where: [
          `Put this in ${join(place.home, ".cursor", "mcp.json")} (every project), or .cursor/mcp.json in a project.`,
          merge("mcpServers"),
          tokenNote("in it")
        ]
      })
    case "vscode":
      return right({
        client,
        format: "json",
        text: json({ servers: { [SERVER_NAME]: { type: "http", url, headers: { Authorization: bearer } } } }),
        where: [
          "Put this in .vscode/mcp.json in your workspace, or in your user configuration",
          "(command palette: \"MCP: Open User Configuration\").",
          merge("servers"),
          tokenNote("in it")
        ]
      })
    case "codex": {
      const codexHome = place.env["CODEX_HOME"] !== undefined && place.env["CODEX_HOME"] !== ""
        ? place.env["CODEX_HOME"]
        : join(place.home, ".codex")
      return right({
        client,
        format: "toml",
        text: `[mcp_servers.${SERVER_NAME}]\nurl = ${tomlString(url)}\nbearer_token_env_var = ${tomlString(TOKEN_VARIABLE)}\n`,
        where: [
          `Add this to ${join(codexHome, "config.toml")} (replace an existing [mcp_servers.${SERVER_NAME}] table).`,
          `Codex reads the token from the variable ${TOKEN_VARIABLE}: set it, in the environment Codex starts in, to a token`,
          "of `llm-cli-gateway token add NAME` (a server on loopback without tokens needs none: remove the line).",
          "Or run the line below, which writes the same table."
        ],
        alternative: {
          title: "codex mcp add",
          format: "shell",
          text: `${
            commandLine(
              ["codex", "mcp", "add", SERVER_NAME, "--url", url, "--bearer-token-env-var", TOKEN_VARIABLE],
              place.platform
            )
          }\n`
        }
      })
    }
    case "gemini":
      return right({
        client,
        format: "json",
        text: json({ mcpServers: { [SERVER_NAME]: { httpUrl: url, headers: { Authorization: bearer } } } }),
        where: [
          `Put this in ${join(place.home, ".gemini", "settings.json")} (every project), or .gemini/settings.json in a project.`,
          merge("mcpServers"),
          tokenNote("in it"),
          "Or run the line below, which writes the same entry."
        ],
        alternative: {
          title: "gemini mcp add",
          format: "shell",
          text: `${
            commandLine(
              ["gemini", "mcp", "add", "--scope", "user", "--transport", "http", "--header", `Authorization: ${bearer}`, SERVER_NAME, url],
              place.platform
            )
          }\n`
        }
      })
    case "claude-desktop":
      return {
        _tag: "Left",
        reason: "Claude Desktop adds a server by URL only as a connector (Settings > Connectors > Add custom connector), " +
          "not from its configuration file, and a connector cannot send a bearer token. Use the server over stdio " +
          "(`llm-cli-gateway config claude-desktop`), or a client that takes a URL: " +
          remoteClientNames.join(", ") + "."
      }
  }
}
