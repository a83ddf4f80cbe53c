/**
 * The built gateway started for a measurement: a fresh HOME (so a fresh
 * database) and working folder in a temp dir, claude pointed at its fake,
 * spoken to through the MCP SDK client. `close` ends the server and removes
 * the folder.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fakeClaude, root } from "./fakeClaude.js"

/** The server measured: the built one, or BENCH_GATEWAY_BIN (to compare two builds). */
export const gatewayBin = process.env.BENCH_GATEWAY_BIN ?? join(root, "dist/bin/llm-cli-gateway.js")

export interface ToolAnswer {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Record<string, unknown>
}

export interface BenchGateway {
  readonly pid: number
  readonly call: (name: string, args: Record<string, unknown>) => Promise<ToolAnswer>
  /** An MCP `ping` round trip. */
  readonly ping: () => Promise<void>
  /** `tools/list`, through the SDK client's `listTools` (which compiles the output validators it lacks). */
  readonly listTools: () => Promise<void>
  readonly close: () => Promise<void>
}

export interface GatewayOptions {
  /** Extra environment of the server. */
  readonly env?: Record<string, string>
  /** The client's stdio read buffer: the largest message it accepts (SDK default 10 MiB). */
  readonly maxBufferSize?: number
  /** Another server to start in the gateway's place (a reference, e.g. bench/minimal-job-server.mjs). */
  readonly server?: string
}

/** One MCP request at most this long (the SDK default is 60 s). */
const CALL_TIMEOUT_MS = 120_000

/** Node options for the server, e.g. BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")

export const startGateway = async (options: GatewayOptions = {}): Promise<BenchGateway> => {
  const dir = mkdtempSync(join(tmpdir(), "gateway-bench-"))
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: options.server === undefined ? [...nodeArgs, gatewayBin] : [options.server],
    cwd: dir,
    stderr: "ignore",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LLM_GATEWAY_CLAUDE_BIN: fakeClaude, ...options.env },
    ...(options.maxBufferSize !== undefined ? { maxBufferSize: options.maxBufferSize } : {})
  })
  const client = new Client({ name: "bench", version: "1.0.0" })
  await client.connect(transport)
  const pid = transport.pid
  if (pid === null) throw new Error("the gateway has no pid")
  return {
    pid,
    call: async (name, args) =>
      (await client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS })) as unknown as ToolAnswer,
    ping: async () => {
      await client.ping()
    },
    listTools: async () => {
      await client.listTools()
    },
    close: async () => {
      await client.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The text of an answer's first content block. */
export const answerText = (answer: ToolAnswer): string => answer.content[0]?.text ?? ""

/** Fails with the answer's text when the tool reported an error. */
export const requireOk = (name: string, answer: ToolAnswer): ToolAnswer => {
  if (answer.isError) throw new Error(`${name} failed: ${answerText(answer)}`)
  return answer
}

/** A `/proc/<pid>/status` field in bytes (VmHWM: peak resident set; VmRSS: resident now). */
export const procStatusBytes = (pid: number, field: "VmHWM" | "VmRSS"): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1]) * 1024
}

/** Waits (llm_job_wait, 30 s at a time) until the job is no longer queued or running; answers its final status. */
export const waitForJob = async (gateway: BenchGateway, jobId: string): Promise<Record<string, unknown>> => {
  while (true) {
    const answer = requireOk("llm_job_wait", await gateway.call("llm_job_wait", { jobId, timeoutMs: 30_000 }))
    const status = answer.structuredContent ?? {}
    if (status.status !== "queued" && status.status !== "running") return status
  }
}

/** Reads a job's reply from `offset` to its end with llm_job_result, in pages of the largest size allowed. */
export const readReply = async (
  gateway: BenchGateway,
  jobId: string,
  offset = 0
): Promise<{ readonly text: string; readonly pages: number }> => {
  let text = ""
  let pages = 0
  let next: number | null = offset
  while (next !== null) {
    const page = requireOk(
      "llm_job_result",
      await gateway.call("llm_job_result", { jobId, maxChars: 2_000_000, offset: next })
    )
    pages++
    text += String(page.structuredContent?.text ?? "")
    next = (page.structuredContent?.nextOffset as number | null | undefined) ?? null
  }
  return { text, pages }
}

let clockTicks: number | undefined
const ticksPerSecond = (): number => {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  return clockTicks
}

/** CPU time (ms) a process used, and that its waited-for children used, from /proc/<pid>/stat. */
export const procCpuMs = (pid: number): { readonly self: number; readonly children: number } => {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
  // Fields after the command name (which may hold spaces): state is field 3, utime 14 … cstime 17.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number)
  const ms = (ticks: number) => (ticks * 1000) / ticksPerSecond()
  return { self: ms(fields[11]! + fields[12]!), children: ms(fields[13]! + fields[14]!) }
}
