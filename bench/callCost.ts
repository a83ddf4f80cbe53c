/**
 * What a client pays per call and per start, against the minimal MCP SDK
 * server (bench/minimal-server.mjs) in the same run (issue 15):
 *
 * - a status call: `llm_job_status` of a finished job, the mean of STATUS_RUNS
 *   sequential calls, against the minimal server's `ping` round trip (and the
 *   gateway's own `ping`, the transport's share);
 * - start-up through the SDK `Client`: spawn → `initialize` answered →
 *   `listTools` answered (the client has compiled the output validators),
 *   cold (a new HOME each start: no database, no code cache) and warm (one
 *   HOME), against the minimal server's.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fakeClaude, root } from "./fakeClaude.js"
import { gatewayBin, requireOk, startGateway, waitForJob } from "./gateway.js"
import { mean, median, ms, ratio, since, table } from "./stats.js"

export const minimalServer = join(root, "bench/minimal-server.mjs")

const STATUS_RUNS = Number(process.env.BENCH_STATUS_RUNS ?? 300)
/** The calls are timed in blocks, alternating gateway and floor, so drift hits both alike. */
const BLOCKS = 3
const STARTS = Number(process.env.BENCH_SDK_STARTUP_RUNS ?? 11)

/** Goals of issue 15, as ratios to the minimal SDK server measured in the same run. */
export const GOALS = { status: 1.2, cold: 1.25, warm: 1.1 } as const

const env = (home: string) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home })

/** `n` sequential round trips of `call`, each timed (ms). */
const timedSeries = async (n: number, call: () => Promise<unknown>): Promise<Array<number>> => {
  const samples: Array<number> = []
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    await call()
    samples.push(since(start))
  }
  return samples
}

export interface StatusCost {
  /** `llm_job_status` of a finished job, each round trip (ms). */
  readonly status: ReadonlyArray<number>
  /** `ping` to the gateway. */
  readonly gatewayPing: ReadonlyArray<number>
  /** `ping` to the minimal SDK server. */
  readonly minimalPing: ReadonlyArray<number>
  /** A `tools/call` of the minimal SDK server's one tool (echo). */
  readonly minimalCall: ReadonlyArray<number>
  /** `listTools` of the gateway in the SDK client, later calls (the first is the start-up's). */
  readonly laterListTools: ReadonlyArray<number>
}

export const measureStatusCost = async (): Promise<StatusCost> => {
  const home = mkdtempSync(join(tmpdir(), "gateway-bench-ping-"))
  const transport = new StdioClientTransport({ command: process.execPath, args: [minimalServer], env: env(home), stderr: "ignore" })
  const minimal = new Client({ name: "bench", version: "1.0.0" })
  await minimal.connect(transport)
  const gateway = await startGateway({ env: { LLM_GATEWAY_CLAUDE_BIN: fakeClaude } })
  try {
    const started = requireOk("claude_request_async", await gateway.call("claude_request_async", { prompt: "status bench" }))
    const jobId = String(started.structuredContent?.jobId)
    const final = await waitForJob(gateway, jobId)
    if (final.status !== "completed") throw new Error(`the status bench's job ended ${String(final.status)}`)
    const status = () => gateway.call("llm_job_status", { jobId }).then((answer) => requireOk("llm_job_status", answer))
    // Warm both (JIT, caches).
    await timedSeries(50, status)
    await timedSeries(50, () => gateway.ping())
    await timedSeries(50, () => minimal.ping())
    const echo = () => minimal.callTool({ name: "echo", arguments: { text: "status bench" } })
    await minimal.listTools()
    await timedSeries(50, echo)
    await gateway.listTools()
    const laterListTools = await timedSeries(20, () => gateway.listTools())
    const result = {
      status: [] as Array<number>,
      gatewayPing: [] as Array<number>,
      minimalPing: [] as Array<number>,
      minimalCall: [] as Array<number>,
      laterListTools
    }
    const block = Math.ceil(STATUS_RUNS / BLOCKS)
    for (let b = 0; b < BLOCKS; b++) {
      result.minimalPing.push(...await timedSeries(block, () => minimal.ping()))
      result.status.push(...await timedSeries(block, status))
      result.gatewayPing.push(...await timedSeries(block, () => gateway.ping()))
      result.minimalCall.push(...await timedSeries(block, echo))
    }
    return result
  } finally {
    await gateway.close()
    await minimal.close()
    rmSync(home, { recursive: true, force: true })
  }
}

export interface StartSample {
  /** Spawn → `initialize` answered (the SDK client's `connect`). */
  readonly initializeMs: number
  /** Spawn → `listTools` answered. */
  readonly listedMs: number
}

/** One start through the SDK client: connect (initialize), listTools, close. */
const sdkStart = async (script: string, home: string): Promise<StartSample> => {
  const start = process.hrtime.bigint()
  const transport = new StdioClientTransport({ command: process.execPath, args: [script], cwd: home, env: env(home), stderr: "ignore" })
  const client = new Client({ name: "bench", version: "1.0.0" })
  await client.connect(transport)
  const initializeMs = since(start)
  await client.listTools()
  const listedMs = since(start)
  await client.close()
  return { initializeMs, listedMs }
}

export interface SdkStartup {
  readonly cold: ReadonlyArray<StartSample>
  readonly warm: ReadonlyArray<StartSample>
  readonly minimal: ReadonlyArray<StartSample>
}

export const measureSdkStartup = async (): Promise<SdkStartup> => {
  const warmHome = mkdtempSync(join(tmpdir(), "gateway-bench-warm-"))
  try {
    // The warm HOME gets its database and code cache; the file cache is warmed for all.
    await sdkStart(gatewayBin, warmHome)
    await sdkStart(minimalServer, warmHome)
    const result = { cold: [] as Array<StartSample>, warm: [] as Array<StartSample>, minimal: [] as Array<StartSample> }
    for (let i = 0; i < STARTS; i++) {
      const coldHome = mkdtempSync(join(tmpdir(), "gateway-bench-cold-"))
      try {
        result.cold.push(await sdkStart(gatewayBin, coldHome))
      } finally {
        rmSync(coldHome, { recursive: true, force: true })
      }
      result.warm.push(await sdkStart(gatewayBin, warmHome))
      result.minimal.push(await sdkStart(minimalServer, warmHome))
    }
    return result
  } finally {
    rmSync(warmHome, { recursive: true, force: true })
  }
}

/** The ratios issue 15 sets goals for. */
export const callCostRatios = (s: StatusCost, u: SdkStartup) => {
  const listed = (xs: ReadonlyArray<StartSample>) => median(xs.map((x) => x.listedMs))
  return {
    status: mean(s.status) / mean(s.minimalPing),
    cold: listed(u.cold) / listed(u.minimal),
    warm: listed(u.warm) / listed(u.minimal)
  }
}

export const callCostTable = (s: StatusCost, u: SdkStartup): string => {
  const init = (xs: ReadonlyArray<StartSample>) => median(xs.map((x) => x.initializeMs))
  const listed = (xs: ReadonlyArray<StartSample>) => median(xs.map((x) => x.listedMs))
  return table(["per call, per start (SDK Client)", "gateway", "minimal SDK server", "ratio"], [
    [`llm_job_status of a finished job (mean of ${s.status.length}) / minimal's ping`, ms(mean(s.status)), ms(mean(s.minimalPing)), ratio(mean(s.status), mean(s.minimalPing))],
    [`ping (mean of ${s.gatewayPing.length})`, ms(mean(s.gatewayPing)), ms(mean(s.minimalPing)), ratio(mean(s.gatewayPing), mean(s.minimalPing))],
    [`the minimal server's own tools/call (echo, mean of ${s.minimalCall.length}) / its ping`, "", ms(mean(s.minimalCall)), ratio(mean(s.minimalCall), mean(s.minimalPing))],
    [`cold start (new HOME), spawn → initialize (median of ${u.cold.length})`, ms(init(u.cold)), ms(init(u.minimal)), ratio(init(u.cold), init(u.minimal))],
    [`listTools, later calls (median of ${s.laterListTools.length})`, ms(median(s.laterListTools)), "", ""],
    ["cold start, spawn → listTools answered", ms(listed(u.cold)), ms(listed(u.minimal)), ratio(listed(u.cold), listed(u.minimal))],
    [`warm start (same HOME), spawn → initialize (median of ${u.warm.length})`, ms(init(u.warm)), ms(init(u.minimal)), ratio(init(u.warm), init(u.minimal))],
    ["warm start, spawn → listTools answered", ms(listed(u.warm)), ms(listed(u.minimal)), ratio(listed(u.warm), listed(u.minimal))]
  ])
}
