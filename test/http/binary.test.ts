/**
 * The built binary with `--http`: it says on stderr where it listens,
 * writes nothing to stdout and reads nothing from stdin (closing stdin does
 * not end it), serves the fake CLIs to an HTTP client, takes its bearer
 * tokens from the tokens file, ends on SIGTERM with no CLI left, and
 * refuses to listen beyond loopback without tokens.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { binary, fakeBins } from "../e2e/harness.js"
import { alive, connect, initializeBody, raw, waitUntil } from "./harness.js"

const dirs: Array<string> = []
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

interface Started {
  readonly child: ChildProcess
  readonly dir: string
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Started => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`)
  const dir = mkdtempSync(join(tmpdir(), "gateway-http-bin-"))
  dirs.push(dir)
  const child = spawn(process.execPath, [binary, ...args], {
    cwd: dir,
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      LLM_GATEWAY_HOME: join(dir, "home"),
      ...fakeBins(),
      LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
      FAKE_CLI_RECORD: join(dir, "record.jsonl"),
      ...env
    }
  })
  children.push(child)
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, dir, stdout: () => stdout, stderr: () => stderr, exited }
}

/** The address the start-up line names. */
const listening = async (started: Started): Promise<{ readonly host: string; readonly port: number; readonly url: string }> => {
  await waitUntil(() => /at http:\/\/\S+\/mcp/.test(started.stderr()) || started.child.exitCode !== null, 20_000)
  const match = /at (http:\/\/(127\.0\.0\.1):(\d+)\/mcp)/.exec(started.stderr())
  if (match === null) throw new Error(`no start-up line; stderr: ${started.stderr()}`)
  return { url: match[1]!, host: match[2]!, port: Number(match[3]) }
}

const records = (dir: string): ReadonlyArray<{ readonly cli?: string; readonly pid?: number }> => {
  const file = join(dir, "record.jsonl")
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)) : []
}

describe("llm-cli-gateway --http", () => {
  it("listens on loopback, says so on stderr only, ignores stdin, serves a request, and ends on SIGTERM", async () => {
    const started = start(["--http", "0"])
    const address = await listening(started)
    expect(started.stderr()).toContain("serving MCP over Streamable HTTP")
    expect(started.stderr()).toContain("no authentication (loopback only)")
    // Not the stdio server: stdin ending changes nothing.
    started.child.stdin!.end()
    await new Promise((r) => setTimeout(r, 300))
    expect(started.child.exitCode).toBeNull()

    const { client, transport } = await connect(address.url)
    const result = await client.callTool({ name: "claude_request", arguments: { prompt: "[[fake:sleep=100]] over http" } })
    expect((result.content as Array<{ text?: string }>)[0]?.text).toContain("over http")
    // A call still running when the server is told to stop is ended with it.
    const pending = client.callTool({ name: "codex_request", arguments: { prompt: "[[fake:silent]] stop with the server" } })
      .catch((e: unknown) => e)
    await waitUntil(() => records(started.dir).some((r) => r.cli === "codex"), 10_000)
    const pid = records(started.dir).find((r) => r.cli === "codex")!.pid!
    started.child.kill("SIGTERM")
    expect(await started.exited).toBe(0)
    await pending
    await client.close()
    void transport
    await waitUntil(() => !alive(pid), 5_000)
    expect(started.stdout()).toBe("")
  })

  it("with a tokens file, requires a bearer token, and says how many it has", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateway-http-tokens-"))
    dirs.push(dir)
    const file = join(dir, "tokens.json")
    const token = "lcg_test-token-for-the-binary"
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        tokens: [{ name: "ci", sha256: createHash("sha256").update(token).digest("hex"), createdAt: "2025-01-01T00:00:00.000Z" }]
      }),
      { mode: 0o600 }
    )
    const started = start([], { LLM_GATEWAY_HTTP: "127.0.0.1:0", LLM_GATEWAY_TOKENS_FILE: file })
    try {
      const address = await listening(started)
      expect(started.stderr()).toContain("bearer tokens required (1)")
      const refused = await raw(address, { body: initializeBody() })
      expect(refused.status).toBe(401)
      const { client } = await connect(address.url, { token })
      expect((await client.listTools()).tools.length).toBeGreaterThan(0)
      await client.close()
    } finally {
      started.child.kill("SIGTERM")
      expect(await started.exited).toBe(0)
    }
    expect(started.stdout()).toBe("")
  })

  it("refuses to listen beyond loopback without tokens: exit 1, the reason on stderr", async () => {
    const started = start(["--http", "0.0.0.0:0"])
    expect(await started.exited).toBe(1)
    expect(started.stderr()).toContain("HttpAuthRequired")
    expect(started.stderr()).toContain("token add")
    expect(started.stdout()).toBe("")
  })

  it("a bad --http is a usage error (exit 2); a bad LLM_GATEWAY_HTTP stops the start (exit 1)", async () => {
    const usage = start(["--http", "localhost"])
    expect(await usage.exited).toBe(2)
    expect(usage.stderr()).toContain("--http")
    const config = start([], { LLM_GATEWAY_HTTP: "not-an-address" })
    expect(await config.exited).toBe(1)
    expect(config.stderr()).toContain("LLM_GATEWAY_HTTP")
    expect(usage.stdout() + config.stdout()).toBe("")
  })

  it("the token command makes a token that a client no one here wrote (the MCP Inspector's CLI) uses over HTTP", async () => {
    const started = start(["--http", "0"])
    const home = join(started.dir, "home")
    // `token add` while the server runs: it accepts the token within a second, without a restart.
    const address = await listening(started)
    const made = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [binary, "token", "add", "inspector"], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: started.dir, LLM_GATEWAY_HOME: home }
      })
      let out = ""
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString()
      })
      child.once("exit", (code) => resolve({ code, stdout: out }))
    })
    expect(made.code).toBe(0)
    const token = made.stdout.trim()
    expect(token).toMatch(/^lcg_[A-Za-z0-9_-]{40,}$/)
    const inspector = join(process.cwd(), "node_modules/.bin/mcp-inspector")
    const inspect = (headers: ReadonlyArray<string>) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(
          inspector,
          ["--cli", address.url, "--transport", "http", "--method", "tools/list", ...headers.flatMap((h) => ["--header", h])],
          { cwd: started.dir, env: { ...process.env, HOME: started.dir } }
        )
        let out = ""
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString()
        })
        child.once("exit", (code) => resolve({ code, stdout: out }))
      })
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_200))
      const listed = await inspect([`Authorization: Bearer ${token}`])
      expect(listed.code).toBe(0)
      const names = (JSON.parse(listed.stdout).tools as ReadonlyArray<{ name: string }>).map((t) => t.name)
      expect(names).toEqual(expect.arrayContaining(["claude_request", "llm_job_status"]))
      const refused = await inspect([])
      expect(refused.code).not.toBe(0)
      const wrong = await inspect(["Authorization: Bearer lcg_not-the-token"])
      expect(wrong.code).not.toBe(0)
    } finally {
      started.child.kill("SIGTERM")
      expect(await started.exited).toBe(0)
    }
  }, 60_000)
})
