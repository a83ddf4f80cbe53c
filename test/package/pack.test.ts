/**
 * The package as npm users get it: `npm pack` of a copy of the project
 * (its prepack builds dist), installed from the tarball into an empty
 * prefix (`npm install -g --prefix`, better-sqlite3 built from source when
 * no prebuilt binary can be fetched), and the installed command run:
 * `--version`, `doctor`, `config`, and MCP over stdio with a claude request
 * against the fake claude. One pack and one install serve every case; all
 * that was made is removed at the end. Slow (minutes): needs the npm
 * registry, nothing else of the network.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import * as Schema from "effect/Schema"
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from "node:fs"
import { join, relative } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DoctorReport } from "../../src/commands/doctorReport.js"
import { cleanUp, communityGrok, fakeBin, pathWith, root, runCommand, tempDir } from "../commands/harness.js"

const MINUTE = 60_000

/** This process's environment without npm's per-run variables (a run under `npm test` sets them). */
const npmEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^npm_/i.test(e[0])))

const alive = (pid: number): boolean => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "latin1"))
  } catch {
    return false
  }
}

describe.skipIf(process.platform === "win32")("the packed package, installed from its tarball", () => {
  let work: string
  let tarball: string
  let entries: ReadonlyArray<string>
  let prefix: string
  let bin: string

  beforeAll(async () => {
    work = tempDir("gateway-pack-")
    // A copy of the project as a clone has it: no build output; the dependencies it would install, linked.
    const project = join(work, "project")
    const skipped = /^(node_modules|dist|\.git|coverage)(\/|$)/
    cpSync(root, project, { recursive: true, filter: (src) => !skipped.test(relative(root, src)) })
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"))
    const out = join(work, "out")
    mkdirSync(out)
    const packStart = Date.now()
    const pack = await runCommand("npm", ["pack", "--pack-destination", out], { ...npmEnv(), PWD: project }, project, 15 * MINUTE)
    expect(pack.code, pack.stderr).toBe(0)
    const packMs = Date.now() - packStart
    tarball = join(out, readdirSync(out).find((f) => f.endsWith(".tgz"))!)
    entries = (await runCommand("tar", ["-tzf", tarball], npmEnv())).stdout.split("\n").filter((l) => l !== "")
    prefix = join(work, "prefix")
    const installStart = Date.now()
    const install = await runCommand("npm", ["install", "-g", "--prefix", prefix, tarball], npmEnv(), work, 15 * MINUTE)
    expect(install.code, install.stderr).toBe(0)
    const installMs = Date.now() - installStart
    bin = join(prefix, "bin", "llm-cli-gateway")
    console.info(`npm pack (with the prepack build): ${(packMs / 1000).toFixed(0)} s; npm install -g of the tarball: ${(installMs / 1000).toFixed(0)} s`)
  }, 20 * MINUTE)

  afterAll(cleanUp)

  it("the tarball holds the built binary and library, and no sources", () => {
    for (const file of ["dist/bin/llm-cli-gateway.js", "dist/bin/gateway.cjs", "dist/lib/index.js", "dist/lib/index.d.ts", "package.json", "README.md", "LICENSE"]) {
      expect(entries).toContain(`package/${file}`)
    }
    expect(entries.filter((e) => /^package\/(src|test|scripts|bench)\//.test(e))).toEqual([])
  })

  it("installs the command, and its package.json names the repository and the MCP server", () => {
    expect(existsSync(bin)).toBe(true)
    const installed = JSON.parse(readFileSync(join(prefix, "lib", "node_modules", "llm-cli-gateway", "package.json"), "utf8"))
    const server = JSON.parse(readFileSync(join(root, "server.json"), "utf8"))
    expect(installed.mcpName).toBe(server.name)
    expect(installed.repository.url).toContain("github.com/llm-cli-gateway/")
  })

  it("--version prints the version", async () => {
    const run = await runCommand(bin, ["--version"], { PATH: pathWith({}), HOME: tempDir() })
    expect(run).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}\n` })
  })

  it("doctor tells the fake claude, another grok and the missing CLIs apart", async () => {
    const home = tempDir()
    const run = await runCommand(bin, ["doctor", "--json"], {
      PATH: pathWith({ claude: fakeBin("claude"), grok: communityGrok }),
      HOME: home,
      LLM_GATEWAY_HOME: join(home, "gateway")
    })
    expect(run.code, run.stderr).toBe(0)
    const report = Schema.decodeUnknownSync(DoctorReport)(JSON.parse(run.stdout))
    expect(Object.fromEntries(report.clis.map((c) => [c.cli, c.status]))).toMatchObject({
      claude: "ok",
      codex: "missing",
      gemini: "missing",
      grok: "wrong_program"
    })
    expect(report.clis.find((c) => c.cli === "claude")?.version).toBe("2.1.0")
    expect(report.clis.filter((c) => c.status === "ok").map((c) => c.cli)).toEqual(["claude"])
    expect(report.database?.status).toBe("new")
  }, 2 * MINUTE)

  it("config names the installed launcher", async () => {
    const run = await runCommand(bin, ["config", "cursor"], { PATH: pathWith({}), HOME: tempDir() })
    expect(run.code).toBe(0)
    const entry = JSON.parse(run.stdout).mcpServers["llm-cli-gateway"]
    expect(entry.args[0]).toBe(realpathSync(join(prefix, "lib", "node_modules", "llm-cli-gateway", "dist", "bin", "llm-cli-gateway.js")))
  })

  it("serves MCP on stdio: lists the tools and runs a claude request against the fake claude", async () => {
    const dir = tempDir()
    const transport = new StdioClientTransport({
      command: bin,
      args: [],
      cwd: dir,
      stderr: "pipe",
      env: {
        PATH: pathWith({}),
        HOME: dir,
        LLM_GATEWAY_HOME: join(dir, "gateway"),
        LLM_GATEWAY_CLAUDE_BIN: fakeBin("claude"),
        LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
        FAKE_CLI_RECORD: join(dir, "record.jsonl")
      }
    })
    const client = new Client({ name: "pack-test", version: "1.0.0" })
    await client.connect(transport)
    const pid = transport.pid
    try {
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toContain("claude_request")
      const result = (await client.callTool({ name: "claude_request", arguments: { prompt: "hello from the tarball" } })) as {
        readonly isError?: boolean
        readonly content: ReadonlyArray<{ readonly text?: string }>
      }
      expect(result.isError ?? false).toBe(false)
      expect(result.content[0]?.text).toContain("hello from the tarball")
      expect(existsSync(join(dir, "gateway", "gateway.db"))).toBe(true)
    } finally {
      await client.close()
    }
    // The server ends with its client.
    const deadline = Date.now() + 10_000
    while (pid !== null && alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(pid !== null && alive(pid)).toBe(false)
  }, 2 * MINUTE)
})
