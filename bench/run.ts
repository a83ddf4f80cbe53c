/**
 * `npm run bench`: the gateway against its floors, measured in one run.
 *
 * 1. Start-up: time to the `initialize` answer and to `tools/list`, next to
 *    a minimal MCP SDK stdio server with one tool.
 * 2. Sync request overhead: 20 sequential `claude_request` calls against the
 *    fake claude, next to 20 direct spawns of the same fake with the same
 *    argv and stdin.
 * 2b. stdio against Streamable HTTP: the same sync requests and polling calls on
 *    the same gateway started both ways (bench/http.ts).
 * 3. Async throughput: 40 async jobs of 200 ms, 8 in flight, next to the
 *    same 40 runs spawned directly, 8 at a time (bench/asyncThroughput.ts),
 *    and the polling client against a minimal in-memory SDK job server
 *    (bench/minimal-job-server.mjs): what any Node MCP server pays.
 * 4. Big reply: one sync request with a 10 MB reply: latency, characters
 *    read and the server's peak RSS (bench/bigReply.ts), and the same
 *    request to a server with V8's own heap settings, for comparison, and
 *    to gemini, codex and grok (each CLI's output format is read its own way).
 * 5. Tool list: the bytes of the tool list the client's model reads, and of
 *    the whole `tools/list` answer, next to 1.4.0's (in process:
 *    bench/toolList.ts).
 * 6. The cost of every call (issue 15): a status call against the minimal
 *    server's `ping`, and start-up through the SDK client, cold and warm,
 *    against the minimal server's (bench/callCost.ts); with the polling
 *    client of 3., beside 1.4.0's figures from the issue.
 * 7. PostgreSQL (issue 19): a job's end on one host to a waiter on another
 *    waking, and the 1,000-job load's jobs/s on PostgreSQL beside SQLite's
 *    (bench/postgres.ts; skipped when PostgreSQL is not installed).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { asyncThroughputFigure, asyncThroughputTable, measureAsyncThroughput, minimalPollingRatio, pollingRatio } from "./asyncThroughput.js"
import { callCostRatios, callCostTable, GOALS, measureSdkStartup, measureStatusCost } from "./callCost.js"
import { bigReplyFigures, bigReplyTable, measureBigReply, measureOtherClis, otherClisTable } from "./bigReply.js"
import { root, runFakeClaude } from "./fakeClaude.js"
import { gatewayBin, requireOk, startGateway } from "./gateway.js"
import { measureStartup } from "./startup.js"
import { measureToolList, toolListFigures, toolListTable } from "./toolList.js"
import { httpTable, measureHttp } from "./http.js"
import { runPostgresSection } from "./postgres.js"
import { mean, median, met, ms, quantile, ratio, table } from "./stats.js"

const minimalServer = join(root, "bench/minimal-server.mjs")
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

/**
 * Two fakes: the lean fake claude (a Node start, about 30 ms here), and the
 * same fake doing 120 ms of work first, which is what the reference
 * measurement's fake cost (0.15 s a spawn; 1.4.0 took about 1 s per sync
 * request against it). A fixed overhead weighs more on the lean one.
 */
const WORK = "[[fake:sleep=120]]"

const directSpawn = async (prompt: string): Promise<number> => (await runFakeClaude(prompt, env)).ms

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

const syncRequests = async (work: string) => {
  const gateway = await startGateway()
  const viaGateway: Array<number> = []
  const direct: Array<number> = []
  try {
    // One warm-up each, then alternate.
    requireOk("claude_request", await gateway.call("claude_request", { prompt: `${work} ${PROMPT}` }))
    await directSpawn(`${work} ${PROMPT}`)
    for (let i = 0; i < SYNC_RUNS; i++) {
      const prompt = `${work} ${PROMPT} (${i})`
      const start = process.hrtime.bigint()
      const result = await gateway.call("claude_request", { prompt })
      viaGateway.push(Number(process.hrtime.bigint() - start) / 1e6)
      requireOk("claude_request", result)
      direct.push(await directSpawn(prompt))
    }
  } finally {
    await gateway.close()
  }
  return { viaGateway, direct }
}

const main = async () => {
  process.stdout.write(`llm-cli-gateway benchmark (node ${process.version}, ${STARTUP_RUNS} start-ups, ${SYNC_RUNS} sync requests)\n\n`)

  const toolList = measureToolList()
  process.stdout.write(toolListTable(toolList) + "\n\n")

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

  const lean = await syncRequests("")
  const working = await syncRequests(WORK)
  const echo = await echoRoundTrip()
  const gMedian = median(working.viaGateway)
  const dMedian = median(working.direct)
  const leanG = median(lean.viaGateway)
  const leanD = median(lean.direct)
  process.stdout.write(
    table(["sync claude_request vs direct spawn", "median", "p95"], [
      ["claude_request via the gateway, fake with 120 ms of work", ms(gMedian), ms(quantile(working.viaGateway, 0.95))],
      ["direct spawn of the same fake", ms(dMedian), ms(quantile(working.direct, 0.95))],
      ["claude_request via the gateway, lean fake", ms(leanG), ms(quantile(lean.viaGateway, 0.95))],
      ["direct spawn of the lean fake", ms(leanD), ms(quantile(lean.direct, 0.95))],
      ["tools/call round trip of the minimal SDK server (MCP floor)", ms(median(echo)), ms(quantile(echo, 0.95))],
      ["gateway's own overhead, lean fake (request − spawn − MCP floor)", ms(leanG - leanD - median(echo)), ""]
    ]) + "\n\n"
  )

  process.stdout.write(httpTable(await measureHttp()) + "\n\n")

  const throughput = await measureAsyncThroughput()
  process.stdout.write(asyncThroughputTable(throughput) + "\n\n")

  const statusCost = await measureStatusCost()
  const sdkStartup = await measureSdkStartup()
  process.stdout.write(callCostTable(statusCost, sdkStartup) + "\n\n")
  const ratios = callCostRatios(statusCost, sdkStartup)
  const polling = pollingRatio(throughput)
  const listed = (xs: ReadonlyArray<{ readonly listedMs: number }>) => median(xs.map((x) => x.listedMs))
  // 1.4.0's figures are those of issue 15's table (same machine, same fake CLI, same SDK client), not measured here.
  process.stdout.write(
    table(["issue 15: the cost of every call", "1.4.0 (issue 15)", "this gateway", "goal", "met"], [
      ["polling client: 40 async jobs × 200 ms, 8 polling every 25 ms, wall / direct spawns", "1.03–1.05×", ratio(polling, 1), `≤ ${(1.08).toFixed(2)}×`, met(polling <= 1.08)],
      ["  the same client against a minimal in-memory SDK job server (reference, no goal)", "", ratio(minimalPollingRatio(throughput), 1), "", ""],
      ["llm_job_status of a finished job, mean / minimal server's ping", "0.95–1.0 ms", `${ms(mean(statusCost.status))}, ${ratio(ratios.status, 1)}`, `≤ ${GOALS.status}×`, met(ratios.status <= GOALS.status)],
      ["  the minimal server's own tools/call (echo), mean / its ping (reference, no goal)", "", ratio(mean(statusCost.minimalCall) / mean(statusCost.minimalPing), 1), "", ""],
      ["initialize + listTools, cold (new HOME) / minimal server's", "≈ 415 ms", `${ms(listed(sdkStartup.cold))}, ${ratio(ratios.cold, 1)}`, `≤ ${GOALS.cold}×`, met(ratios.cold <= GOALS.cold)],
      ["initialize + listTools, warm / minimal server's", "", `${ms(listed(sdkStartup.warm))}, ${ratio(ratios.warm, 1)}`, `≤ ${GOALS.warm}×`, met(ratios.warm <= GOALS.warm)],
      ["listTools in the SDK client, later calls (median)", "6–16 ms", ms(median(statusCost.laterListTools)), "", ""]
    ]) + "\n\n"
  )

  const big = await measureBigReply()
  const bigWithV8Defaults = await measureBigReply({ LLM_GATEWAY_HEAP: "default" })
  process.stdout.write(bigReplyTable(big, bigWithV8Defaults) + "\n\n")
  process.stdout.write(otherClisTable(await measureOtherClis()) + "\n\n")

  process.stdout.write(
    table(["figure", "measured", "goal", "met"], [
      ["start-up to initialize, gateway / minimal SDK server", ratio(gInit, mInit), "≤ 1.25×", met(gInit / mInit <= 1.25)],
      ["sync request / direct spawn (medians), fake with 120 ms of work", ratio(gMedian, dMedian), "≤ 1.15×", met(gMedian / dMedian <= 1.15)],
      ["sync request / direct spawn (medians), lean fake (~30 ms)", ratio(leanG, leanD), "(≤ 1.15×)", met(leanG / leanD <= 1.15)],
      asyncThroughputFigure(throughput),
      asyncThroughputFigure(throughput, "poll"),
      ...bigReplyFigures(big),
      ...toolListFigures(toolList)
    ]) + "\n\n"
  )

  await runPostgresSection()
}

main()
  .catch((e) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
    process.exitCode = 1
  })
  .finally(() => rmSync(home, { recursive: true, force: true }))
