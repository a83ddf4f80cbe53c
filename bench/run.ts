/**
 * `npm run bench`: the gateway against its floors, measured in one run.
 *
 * 1. Start-up: time to the `initialize` answer and to `tools/list`, next to
 *    a minimal MCP SDK stdio server with one tool.
 * 2. Sync request overhead: 20 sequential `claude_request` calls against the
 *    fake claude, next to 20 direct spawns of the same fake with the same
 *    argv and stdin.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { measureStartup } from "./startup.js"
import { median, ms, quantile, ratio, table } from "./stats.js"

const root = resolve(import.meta.dirname, "..")
const gatewayBin = join(root, "dist/bin/llm-cli-gateway.js")
const minimalServer = join(root, "bench/minimal-server.mjs")
const fakeClaude = join(root, "test/fixtures/bin/claude")
const home = mkdtempSync(join(tmpdir(), "gateway-bench-"))
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home }

const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15)
const SYNC_RUNS = 20
const PROMPT = "Summarize the design in one sentence."

const startup = async () => {
  const gateway: Array<{ initializeMs: number; toolsListMs: number }> = []
  const minimal: Array<{ initializeMs: number; toolsListMs: number }> = []
  // Warm the file cache, then alternate so drift hits both alike.
  await measureStartup([gatewayBin], env)
  await measureStartup([minimalServer], env)
  for (let i = 0; i < STARTUP_RUNS; i++) {
    gateway.push(await measureStartup([gatewayBin], env))
    minimal.push(await measureStartup([minimalServer], env))
  }
  return { gateway, minimal }
}

/** The argv the gateway gives claude for a default request (pinned by the adapter's golden test). */
const claudeArgv = ["-p", "--output-format", "stream-json", "--verbose"]

const directSpawn = (): Promise<number> =>
  new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(fakeClaude, claudeArgv, { stdio: ["pipe", "pipe", "pipe"], env, detached: true })
    child.stdout.resume()
    child.stderr.resume()
    child.once("error", reject)
    child.once("close", (code) => {
      if (code !== 0) reject(new Error(`fake claude exited ${code}`))
      else resolvePromise(Number(process.hrtime.bigint() - start) / 1e6)
    })
    child.stdin.end(PROMPT)
  })

/** Median round trip of `tools/call` on the minimal SDK server: the MCP floor any request pays. */
const echoRoundTrip = async (): Promise<Array<number>> => {
  const transport = new StdioClientTransport({ command: process.execPath, args: [minimalServer], env, stderr: "ignore" })
  const client = new Client({ name: "bench", version: "1.0.0" })
  await client.connect(transport)
  const samples: Array<number> = []
  await client.callTool({ name: "echo", arguments: { text: "warm" } })
  for (let i = 0; i < SYNC_RUNS; i++) {
    const start = process.hrtime.bigint()
    await client.callTool({ name: "echo", arguments: { text: `${PROMPT} (${i})` } })
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  await client.close()
  return samples
}

const syncRequests = async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [gatewayBin],
    env: { ...env, LLM_GATEWAY_CLAUDE_BIN: fakeClaude },
    stderr: "ignore"
  })
  const client = new Client({ name: "bench", version: "1.0.0" })
  await client.connect(transport)
  const viaGateway: Array<number> = []
  const direct: Array<number> = []
  // One warm-up each, then alternate.
  await client.callTool({ name: "claude_request", arguments: { prompt: PROMPT } })
  await directSpawn()
  for (let i = 0; i < SYNC_RUNS; i++) {
    const start = process.hrtime.bigint()
    const result = await client.callTool({ name: "claude_request", arguments: { prompt: `${PROMPT} (${i})` } })
    viaGateway.push(Number(process.hrtime.bigint() - start) / 1e6)
    if (result.isError) throw new Error(`request failed: ${JSON.stringify(result.content)}`)
    direct.push(await directSpawn())
  }
  await client.close()
  return { viaGateway, direct }
}

const main = async () => {
  process.stdout.write(`llm-cli-gateway benchmark (node ${process.version}, ${STARTUP_RUNS} start-ups, ${SYNC_RUNS} sync requests)\n\n`)

  const s = await startup()
  const gInit = median(s.gateway.map((x) => x.initializeMs))
  const mInit = median(s.minimal.map((x) => x.initializeMs))
  const gList = median(s.gateway.map((x) => x.toolsListMs))
  const mList = median(s.minimal.map((x) => x.toolsListMs))
  process.stdout.write(
    table(["start-up (median)", "gateway", "minimal SDK server", "ratio"], [
      ["spawn → initialize answer", ms(gInit), ms(mInit), ratio(gInit, mInit)],
      ["spawn → tools/list answer", ms(gList), ms(mList), ratio(gList, mList)]
    ]) + "\n\n"
  )

  const r = await syncRequests()
  const echo = await echoRoundTrip()
  const gMedian = median(r.viaGateway)
  const gP95 = quantile(r.viaGateway, 0.95)
  const dMedian = median(r.direct)
  process.stdout.write(
    table(["sync claude_request vs direct spawn", "median", "p95"], [
      ["claude_request via the gateway", ms(gMedian), ms(gP95)],
      ["direct spawn of the fake claude", ms(dMedian), ms(quantile(r.direct, 0.95))],
      ["tools/call round trip of the minimal SDK server (MCP floor)", ms(median(echo)), ms(quantile(echo, 0.95))],
      ["gateway's own overhead (request − spawn − MCP floor)", ms(gMedian - dMedian - median(echo)), ""]
    ]) + "\n\n"
  )

  const startupRatio = gInit / mInit
  const syncRatio = gMedian / dMedian
  process.stdout.write(
    table(["figure", "measured", "goal", "met"], [
      ["start-up to initialize, gateway / minimal SDK server", ratio(gInit, mInit), "≤ 1.25×", startupRatio <= 1.25 ? "yes" : "NO"],
      ["sync request median / direct spawn median", ratio(gMedian, dMedian), "≤ 1.15×", syncRatio <= 1.15 ? "yes" : "NO"]
    ]) + "\n"
  )
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
