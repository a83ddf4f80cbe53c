/**
 * Starts the built gateway binary over stdio with the fake CLIs, and reads
 * what the fakes recorded.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { allClis } from "../../src/domain/Cli.js"

export const root = resolve(import.meta.dirname, "../..")
/**
 * The server's binary: `LLM_GATEWAY_TEST_BINARY`, else the built one. The
 * Node 24 run (test/e2e/vitest.node24.config.ts) names the copy that
 * scripts/node24.mjs assembles with better-sqlite3 built for Node 24.
 */
export const binary = process.env.LLM_GATEWAY_TEST_BINARY || join(root, "dist/bin/llm-cli-gateway.js")
/** The Node.js that runs the server: `LLM_GATEWAY_TEST_NODE`, else the one running the tests. */
export const node = process.env.LLM_GATEWAY_TEST_NODE || process.execPath
export const fakeBin = (cli: string) => join(root, "test/fixtures/bin", cli)

/** `LLM_GATEWAY_<CLI>_BIN` of every CLI, pointing at its fake. */
export const fakeBins = (): Record<string, string> =>
  Object.fromEntries(allClis.map((cli) => [`LLM_GATEWAY_${cli.toUpperCase()}_BIN`, fakeBin(cli)]))

export interface Recorded {
  readonly cli?: string
  readonly argv?: ReadonlyArray<string>
  readonly prompt?: string
  readonly pid?: number
  readonly cwd?: string
  readonly env?: Record<string, string>
  readonly grandchildPid?: number
}

export interface Gateway {
  readonly client: Client
  readonly transport: StdioClientTransport
  readonly recordFile: string
  readonly records: () => ReadonlyArray<Recorded>
  readonly stderr: () => string
  readonly close: () => Promise<void>
}

/** Starts the gateway with every CLI pointed at its fake. */
export const startGateway = async (
  env: Record<string, string> = {},
  options: { readonly dir?: string; readonly nodeArgs?: ReadonlyArray<string>; readonly binary?: string } = {}
): Promise<Gateway> => {
  const bin = options.binary ?? binary
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`)
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "gateway-e2e-"))
  const recordFile = join(dir, "record.jsonl")
  const transport = new StdioClientTransport({
    command: node,
    args: [...(options.nodeArgs ?? []), bin],
    cwd: dir,
    stderr: "pipe",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      ...fakeBins(),
      LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
      FAKE_CLI_RECORD: recordFile,
      ...env
    }
  })
  let stderr = ""
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const client = new Client({ name: "e2e", version: "1.0.0" })
  await client.connect(transport)
  const records = (): ReadonlyArray<Recorded> => {
    if (!existsSync(recordFile)) return []
    return readFileSync(recordFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))
  }
  return { client, transport, recordFile, records, stderr: () => stderr, close: () => client.close() }
}

/** A fresh folder for a test's files. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), "gateway-e2e-"))

/** Calls a tool and returns its result loosely typed. */
export interface ToolResult {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Record<string, any>
}

export const callTool = async (gateway: Gateway, name: string, args: Record<string, unknown>): Promise<ToolResult> =>
  (await gateway.client.callTool({ name, arguments: args })) as unknown as ToolResult

/** True while a process runs (zombies count as gone). */
export const alive = (pid: number): boolean => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "latin1"))
  } catch {
    return false
  }
}

export const waitUntil = async (check: () => boolean, ms = 5000): Promise<void> => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 10))
  }
}
