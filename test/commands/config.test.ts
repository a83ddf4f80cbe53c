/**
 * `config CLIENT`: each snippet parses in its client's format and names a
 * command that exists (this Node.js and the built launcher), with where it
 * goes on stderr.
 */
import { existsSync } from "node:fs"
import { afterAll, describe, expect, it } from "vitest"
import { claudeDesktopConfig, type Client, clientNames, type Launch, snippetFor } from "../../src/commands/clients.js"
import { configCommand } from "../../src/commands/config.js"
import { scanToml } from "../../src/models/toml.js"
import { binary, cleanUp, runBinary } from "./harness.js"

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
