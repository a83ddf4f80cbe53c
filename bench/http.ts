/**
 * The request overhead over Streamable HTTP beside stdio's: the same built
 * gateway started twice (stdio, and `--http` on a free loopback port), the
 * same lean fake claude, sync `claude_request`s alternated between the two,
 * and `llm_job_status` of a finished job (the cost of a polling call).
 *
 * Run alone with `tsx bench/http.ts`, or as part of `npm run bench`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { fakeClaude } from "./fakeClaude.js"
import { type BenchGateway, gatewayBin, requireOk, startGateway, type ToolAnswer } from "./gateway.js"
import { median, ms, quantile, ratio, table } from "./stats.js"

const RUNS = 20
const STATUS_RUNS = 200

/** The built gateway with `--http 127.0.0.1:0`, reached with the SDK's Streamable HTTP client. */
export const startHttpGateway = async (): Promise<BenchGateway> => {
  const dir = mkdtempSync(join(tmpdir(), "gateway-bench-http-"))
  const child = spawn(process.execPath, [gatewayBin, "--http", "127.0.0.1:0"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LLM_GATEWAY_CLAUDE_BIN: fakeClaude }
  })
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = ""
    const timer = setTimeout(() => reject(new Error(`no start-up line in 20 s: ${stderr}`)), 20_000)
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      const match = /at (http:\/\/\S+\/mcp)/.exec(stderr)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the gateway exited (${code}): ${stderr}`))
    })
  })
  const client = new Client({ name: "bench-http", version: "1.0.0" })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  return {
    pid: child.pid!,
    call: async (name, args) =>
      (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as unknown as ToolAnswer,
    ping: async () => {
      await client.ping()
    },
    listTools: async () => {
      await client.listTools()
    },
    close: async () => {
      await client.close()
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      await exited
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface HttpFigures {
  readonly stdio: ReadonlyArray<number>
  readonly http: ReadonlyArray<number>
  readonly statusStdio: ReadonlyArray<number>
  readonly statusHttp: ReadonlyArray<number>
}

const timedCall = async (gateway: BenchGateway, name: string, args: Record<string, unknown>): Promise<number> => {
  const start = process.hrtime.bigint()
  requireOk(name, await gateway.call(name, args))
  return Number(process.hrtime.bigint() - start) / 1e6
}

export const measureHttp = async (): Promise<HttpFigures> => {
  const stdio = await startGateway()
  const http = await startHttpGateway()
  const figures = { stdio: [] as Array<number>, http: [] as Array<number>, statusStdio: [] as Array<number>, statusHttp: [] as Array<number> }
  try {
    // One warm-up each, then alternate so drift hits both alike.
    const first = requireOk("claude_request", await stdio.call("claude_request", { prompt: "warm stdio" }))
    const firstHttp = requireOk("claude_request", await http.call("claude_request", { prompt: "warm http" }))
    for (let i = 0; i < RUNS; i++) {
      figures.stdio.push(await timedCall(stdio, "claude_request", { prompt: `stdio ${i}` }))
      figures.http.push(await timedCall(http, "claude_request", { prompt: `http ${i}` }))
    }
    const jobStdio = String(first.structuredContent?.jobId)
    const jobHttp = String(firstHttp.structuredContent?.jobId)
    for (let i = 0; i < STATUS_RUNS; i++) {
      figures.statusStdio.push(await timedCall(stdio, "llm_job_status", { jobId: jobStdio }))
      figures.statusHttp.push(await timedCall(http, "llm_job_status", { jobId: jobHttp }))
    }
  } finally {
    await stdio.close()
    await http.close()
  }
  return figures
}

export const httpTable = (f: HttpFigures): string =>
  table(["stdio vs Streamable HTTP (same gateway, lean fake)", "stdio", "HTTP", "HTTP / stdio"], [
    [
      `sync claude_request, median of ${RUNS}`,
      ms(median(f.stdio)),
      ms(median(f.http)),
      ratio(median(f.http), median(f.stdio))
    ],
    [`sync claude_request, p95`, ms(quantile(f.stdio, 0.95)), ms(quantile(f.http, 0.95)), ""],
    [
      `llm_job_status of a finished job, median of ${STATUS_RUNS}`,
      ms(median(f.statusStdio)),
      ms(median(f.statusHttp)),
      ratio(median(f.statusHttp), median(f.statusStdio))
    ],
    [
      "HTTP's own cost per call (status medians, HTTP − stdio)",
      "",
      ms(median(f.statusHttp) - median(f.statusStdio)),
      ""
    ]
  ])

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  measureHttp()
    .then((f) => process.stdout.write(httpTable(f) + "\n"))
    .catch((e) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
      process.exitCode = 1
    })
}
