/**
 * `config CLIENT`: each snippet parses in its client's format and names a
 * command that exists (this Node.js and the built launcher), with where it
 * goes on stderr. `config CLIENT --http`: the URL and a bearer token
 * placeholder, which work against the built server once the token is filled
 * in; no token is ever printed.
 */
import * as Either from "effect/Either"
import { existsSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  claudeDesktopConfig,
  type Client,
  clientNames,
  type Launch,
  remoteClientNames,
  remoteSnippetFor,
  snippetFor,
  TOKEN_PLACEHOLDER,
  TOKEN_VARIABLE
} from "../../src/commands/clients.js"
import { configCommand, remoteUrl } from "../../src/commands/config.js"
import { scanToml } from "../../src/models/toml.js"
import { startBinaryServer } from "../http/binaryServer.js"
import { connect } from "../http/harness.js"
import { binary, cleanUp, runBinary, tempDir } from "./harness.js"

afterAll(cleanUp)

interface Entry {
  readonly command: string
  readonly args: ReadonlyArray<string>
}

/** The words of a POSIX shell line with single-quoted words (what the snippets use). */
const shellWords = (line: string): ReadonlyArray<string> =>
  [...line.trim().matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!)

/** The server entry a snippet defines, read in the client's own format. */
const entryOf = (client: Client, text: string): Entry & { readonly type?: string } => {
  switch (client) {
    case "claude-code": {
      const words = shellWords(text)
      expect(words.slice(0, 7)).toEqual(["claude", "mcp", "add", "--scope", "user", "llm-cli-gateway", "--"])
      return { command: words[7]!, args: words.slice(8) }
    }
    case "codex": {
      const scan = scanToml(text)
      expect(scan.errors).toEqual([])
      const command = scan.entries.find((e) => e.path.join(".") === "mcp_servers.llm-cli-gateway.command")
      expect(command?.value._tag).toBe("String")
      const argsLine = /^args = (\[.*\])$/m.exec(text)
      expect(scan.entries.some((e) => e.path.join(".") === "mcp_servers.llm-cli-gateway.args")).toBe(true)
      return { command: command?.value._tag === "String" ? command.value.value : "", args: JSON.parse(argsLine![1]!) }
    }
    case "vscode":
      return JSON.parse(text).servers["llm-cli-gateway"]
    default:
      return JSON.parse(text).mcpServers["llm-cli-gateway"]
  }
}

describe("config CLIENT, run as the built binary", () => {
  for (const client of clientNames) {
    it(`${client}: the snippet parses and starts this install's launcher with this Node.js`, async () => {
      const run = await runBinary(["config", client])
      expect(run.code).toBe(0)
      const entry = entryOf(client, run.stdout)
      expect(entry.command).toBe(process.execPath)
      expect(existsSync(entry.command)).toBe(true)
      expect(entry.args).toEqual([binary])
      expect(existsSync(entry.args[0]!)).toBe(true)
      if (client === "vscode") expect(entry.type).toBe("stdio")
      // Where it goes is on stderr, never in the snippet.
      expect(run.stderr.length).toBeGreaterThan(0)
      expect(run.stdout).not.toContain("Put this")
    })
  }

  it("says where each client's file is", async () => {
    const runs = await Promise.all(clientNames.map((client) => runBinary(["config", client])))
    const where = Object.fromEntries(clientNames.map((client, i) => [client, runs[i]!.stderr])) as Record<Client, string>
    expect(where.cursor).toMatch(/\.cursor\/mcp\.json/)
    expect(where.vscode).toContain(".vscode/mcp.json")
    expect(where.gemini).toMatch(/\.gemini\/settings\.json/)
    expect(where.codex).toMatch(/\.codex\/config\.toml/)
    expect(where["claude-desktop"]).toContain("claude_desktop_config.json")
    expect(where["claude-code"]).toContain(".mcp.json")
    // The .mcp.json form on stderr parses too.
    const json = where["claude-code"].slice(where["claude-code"].indexOf("{"))
    expect(JSON.parse(json).mcpServers["llm-cli-gateway"]).toMatchObject({ type: "stdio", command: process.execPath, args: [binary] })
  })
})

describe("config CLIENT, the function", () => {
  const install = { execPath: "/opt/node/bin/node", launcher: "/opt/lib/node_modules/llm-cli-gateway/dist/bin/llm-cli-gateway.js" }
  const place = { platform: "linux" as const, home: "/home/u", env: {} }

  it("uses npx when this copy is npx's temporary one, and says so", () => {
    const out = configCommand("cursor", { ...install, launcher: "/home/u/.npm/_npx/1a2b/node_modules/llm-cli-gateway/dist/bin/llm-cli-gateway.js" }, { place })
    expect(JSON.parse(out.stdout).mcpServers["llm-cli-gateway"]).toEqual({ command: "npx", args: ["-y", "llm-cli-gateway"] })
    expect(out.stderr).toContain("npx")
  })

  it("uses npx when asked (--npx), for a configuration shared with others", () => {
    const out = configCommand("vscode", install, { npx: true, place })
    expect(JSON.parse(out.stdout).servers["llm-cli-gateway"]).toEqual({ type: "stdio", command: "npx", args: ["-y", "llm-cli-gateway"] })
  })

  it("knows Claude Desktop's file on each OS", () => {
    expect(claudeDesktopConfig({ platform: "darwin", home: "/Users/u", env: {} }))
      .toBe("/Users/u/Library/Application Support/Claude/claude_desktop_config.json")
    expect(claudeDesktopConfig({ platform: "win32", home: "C:\\Users\\u", env: { APPDATA: "C:\\Users\\u\\AppData\\Roaming" } }))
      .toBe("C:\\Users\\u\\AppData\\Roaming\\Claude\\claude_desktop_config.json")
    expect(claudeDesktopConfig({ platform: "linux", home: "/home/u", env: {} })).toBe("/home/u/.config/Claude/claude_desktop_config.json")
  })

  it("follows CODEX_HOME for codex's config.toml", () => {
    const out = configCommand("codex", install, { place: { ...place, env: { CODEX_HOME: "/srv/codex" } } })
    expect(out.stderr).toContain("/srv/codex/config.toml")
  })

  it("quotes paths with spaces and quotes so that every format reads them back", () => {
    const launch: Launch = { command: "/Apps/My Node/bin/node", args: ["/it's here/llm-cli-gateway.js"], via: "node" }
    for (const client of clientNames) {
      const entry = entryOf(client, snippetFor(client, launch, place).text)
      expect(entry).toMatchObject({ command: launch.command, args: launch.args })
    }
    const windows = { command: "C:\\Program Files\\nodejs\\node.exe", args: ["C:\\x\\llm-cli-gateway.js"], via: "node" } as const
    const toml = snippetFor("codex", windows, { ...place, platform: "win32" }).text
    expect(entryOf("codex", toml)).toMatchObject({ command: windows.command, args: windows.args })
    expect(snippetFor("claude-code", windows, { ...place, platform: "win32" }).text).toContain("\"C:\\Program Files\\nodejs\\node.exe\"")
  })
})

describe("config CLIENT --http: a client of the server over Streamable HTTP", () => {
  interface Remote {
    readonly url: string
    /** The Authorization header as the client sends it (`${VAR}` and `<token>` as written). */
    readonly authorization?: string
    readonly tokenVariable?: string
  }

  /** The URL and the token a remote snippet gives, read in the client's own format. */
  const remoteOf = (client: Client, text: string): Remote => {
    switch (client) {
      case "claude-code": {
        const words = shellWords(text)
        expect(words.slice(0, 8)).toEqual(["claude", "mcp", "add", "--transport", "http", "--scope", "user", "llm-cli-gateway"])
        const at = words.indexOf("--header")
        expect(words[at + 1]).toMatch(/^Authorization: Bearer /)
        return { url: words[8]!, authorization: words[at + 1]!.slice("Authorization: ".length) }
      }
      case "codex": {
        const scan = scanToml(text)
        expect(scan.errors).toEqual([])
        const value = (key: string) => {
          const entry = scan.entries.find((e) => e.path.join(".") === `mcp_servers.llm-cli-gateway.${key}`)
          return entry?.value._tag === "String" ? entry.value.value : undefined
        }
        return { url: value("url")!, tokenVariable: value("bearer_token_env_var")! }
      }
      case "vscode": {
        const entry = JSON.parse(text).servers["llm-cli-gateway"]
        expect(entry.type).toBe("http")
        return { url: entry.url, authorization: entry.headers.Authorization }
      }
      case "gemini": {
        const entry = JSON.parse(text).mcpServers["llm-cli-gateway"]
        return { url: entry.httpUrl, authorization: entry.headers.Authorization }
      }
      default: {
        const entry = JSON.parse(text).mcpServers["llm-cli-gateway"]
        return { url: entry.url, authorization: entry.headers.Authorization }
      }
    }
  }

  for (const client of remoteClientNames) {
    it(`${client}: the URL of the address given and a bearer token placeholder, never a token`, async () => {
      const run = await runBinary(["config", client, "--http", "8080"])
      expect(run.code).toBe(0)
      const remote = remoteOf(client, run.stdout)
      expect(remote.url).toBe("http://127.0.0.1:8080/mcp")
      if (client === "codex") expect(remote.tokenVariable).toBe(TOKEN_VARIABLE)
      else expect(remote.authorization).toBe(`Bearer ${TOKEN_PLACEHOLDER}`)
      expect(run.stderr).toContain("token add NAME")
      expect(run.stdout).not.toContain("Put this")
      // Not the stdio form: nothing to start.
      expect(run.stdout).not.toContain(process.execPath)
    })
  }

  it("the snippets work: a client given their URL and header (the token filled in) lists the tools of the built server", async () => {
    const token = "lcg_config-test-token-0123456789abcdefghijkl"
    const server = await startBinaryServer({ tokens: { ci: token } })
    try {
      for (const client of remoteClientNames) {
        const run = await runBinary(["config", client, "--http", String(server.port)])
        expect(run.code, run.stderr).toBe(0)
        const remote = remoteOf(client, run.stdout)
        expect(remote.url).toBe(server.url)
        const authorization = client === "codex"
          ? `Bearer ${token}` // codex sends Bearer and the variable's value
          : remote.authorization!.replace(TOKEN_PLACEHOLDER, token)
        const { client: mcp, transport } = await connect(remote.url, { headers: { Authorization: authorization } })
        expect((await mcp.listTools()).tools.map((t) => t.name), client).toContain("claude_request")
        await transport.terminateSession()
        await mcp.close()
      }
      // Claude Code's .mcp.json (on stderr) reads the token from a variable of the user's environment.
      const run = await runBinary(["config", "claude-code", "--http", String(server.port)])
      const json = JSON.parse(run.stderr.slice(run.stderr.indexOf("{")))
      expect(json.mcpServers["llm-cli-gateway"]).toEqual({
        type: "http",
        url: server.url,
        headers: { Authorization: `Bearer \${${TOKEN_VARIABLE}}` }
      })
    } finally {
      await server.stop()
    }
  }, 60_000)

  it("--http alone takes the address from LLM_GATEWAY_HTTP_PUBLIC_URL, else LLM_GATEWAY_HTTP; with neither, exit 2", async () => {
    const fromListen = await runBinary(["config", "cursor", "--http"], { LLM_GATEWAY_HTTP: "127.0.0.1:9000" })
    expect(fromListen.code).toBe(0)
    expect(remoteOf("cursor", fromListen.stdout).url).toBe("http://127.0.0.1:9000/mcp")
    const fromPublic = await runBinary(["config", "--http", "vscode"], {
      LLM_GATEWAY_HTTP: "0.0.0.0:9000",
      LLM_GATEWAY_HTTP_PUBLIC_URL: "https://gw.example.com/mcp"
    })
    expect(fromPublic.code).toBe(0)
    expect(remoteOf("vscode", fromPublic.stdout).url).toBe("https://gw.example.com/mcp")
    expect(fromPublic.stderr).not.toContain("clear text")
    const none = await runBinary(["config", "cursor", "--http"])
    expect(none.code).toBe(2)
    expect(none.stdout).toBe("")
    expect(none.stderr).toContain("LLM_GATEWAY_HTTP")
  })

  it("a server on every interface: the URL names this machine, and plain HTTP beyond loopback is flagged", async () => {
    const run = await runBinary(["config", "gemini", "--http", "0.0.0.0:8443"])
    expect(run.code).toBe(0)
    expect(remoteOf("gemini", run.stdout).url).toBe(`http://${hostname()}:8443/mcp`)
    expect(run.stderr).toContain("--url")
    expect(run.stderr).toContain("clear text")
  })

  it("--url names the URL as it is (a TLS proxy's)", async () => {
    const run = await runBinary(["config", "codex", "--url", "https://gw.example.com/mcp"])
    expect(run.code).toBe(0)
    expect(remoteOf("codex", run.stdout)).toEqual({ url: "https://gw.example.com/mcp", tokenVariable: TOKEN_VARIABLE })
    expect(run.stderr).toContain(`codex mcp add llm-cli-gateway --url https://gw.example.com/mcp --bearer-token-env-var ${TOKEN_VARIABLE}`)
    expect(run.stderr).not.toContain("clear text")
    const bad = await runBinary(["config", "codex", "--url", "ftp://gw.example.com/mcp"])
    expect(bad.code).toBe(2)
    const secret = await runBinary(["config", "codex", "--url", "https://user:hunter2@gw.example.com/mcp"])
    expect(secret.code).toBe(2)
    expect(secret.stdout + secret.stderr).not.toContain("hunter2")
  })

  it("claude-desktop takes no URL: exit 2, and it says what to do instead", async () => {
    const run = await runBinary(["config", "claude-desktop", "--http", "8080"])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain("connector")
    expect(run.stderr).toContain("config claude-desktop")
  })

  it("--npx with --http is a usage error; the stdio snippet says --http exists when LLM_GATEWAY_HTTP is set", async () => {
    const both = await runBinary(["config", "cursor", "--npx", "--http", "8080"])
    expect(both.code).toBe(2)
    const stdio = await runBinary(["config", "cursor"], { LLM_GATEWAY_HTTP: "8080" })
    expect(stdio.code).toBe(0)
    expect(JSON.parse(stdio.stdout).mcpServers["llm-cli-gateway"].command).toBe(process.execPath)
    expect(stdio.stderr).toContain("config cursor --http")
  })

  it("never prints a token of the tokens file", async () => {
    const home = tempDir("gateway-config-home-")
    const env = { HOME: home, LLM_GATEWAY_HOME: join(home, ".llm-cli-gateway") }
    const made = await runBinary(["token", "add", "ci"], env)
    expect(made.code).toBe(0)
    const token = made.stdout.trim()
    const runs = await Promise.all(remoteClientNames.map((client) => runBinary(["config", client, "--http", "8080"], env)))
    for (const run of runs) {
      expect(run.code).toBe(0)
      expect(run.stdout + run.stderr).not.toContain(token)
      expect(run.stdout + run.stderr).not.toContain(token.slice(4, 20))
    }
  })
})

describe("remoteUrl and remoteSnippetFor, the functions", () => {
  const place = { platform: "linux" as const, home: "/home/u", env: {} }

  it("brackets an IPv6 loopback and refuses port 0", () => {
    const v6 = remoteUrl({ http: "[::1]:8080" }, {})
    expect(Either.getOrThrow(v6).url).toBe("http://[::1]:8080/mcp")
    expect(Either.isLeft(remoteUrl({ http: "0" }, {}))).toBe(true)
    expect(Either.getOrThrow(remoteUrl({ http: "[::]:80" }, {}, "box")).url).toBe("http://box:80/mcp")
  })

  it("quotes a URL with shell characters so that the shell reads it back", () => {
    const url = "https://gw.example.com/mcp?team=a&b=c"
    const made = remoteSnippetFor("claude-code", url, place)
    expect(made._tag).toBe("Right")
    if (made._tag === "Right") expect(shellWords(made.snippet.text)[8]).toBe(url)
  })

  it("configCommand: the remote snippet on stdout, exit 0", () => {
    const out = configCommand("cursor", { execPath: "/n", launcher: "/l" }, { place, remote: { url: "https://gw.example.com/mcp" } })
    expect(out.exitCode).toBe(0)
    expect(JSON.parse(out.stdout)).toEqual({
      mcpServers: { "llm-cli-gateway": { url: "https://gw.example.com/mcp", headers: { Authorization: "Bearer <token>" } } }
    })
  })
})
