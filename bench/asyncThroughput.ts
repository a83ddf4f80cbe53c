/**
 * Async throughput: JOBS jobs of a fake claude that takes SLEEP_MS each,
 * CONCURRENCY in flight from one client, against the floor of the same runs
 * spawned directly, CONCURRENCY at a time. Two clients of the gateway: one
 * that waits (start → llm_job_wait → llm_job_result), and one that polls, as
 * most MCP clients do (start → `llm_job_status` every POLL_MS until the job
 * has ended → llm_job_result; CONCURRENCY of them at once, each with its own
 * job). The polling client also runs against a minimal in-memory SDK job
 * server (bench/minimal-job-server.mjs): a reference for what an MCP round
 * trip per call and a fork per job cost any Node server, without a goal.
 * Rounds alternate floor, waiting, polling and the reference so drift hits
 * them alike; each round's prompts are new, so dedup merges nothing.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fakeClaude, root, runFakeClaude } from "./fakeClaude.js"
import { type BenchGateway, procCpuMs, readReply, requireOk, startGateway, waitForJob } from "./gateway.js"
import { runPool } from "./pool.js"
import { count, median, met, ms, ratio, table, timed } from "./stats.js"

export const JOBS = 40
export const CONCURRENCY = 8
export const SLEEP_MS = 200
/** How often the polling client asks for a job's status (ms). */
export const POLL_MS = 25
const ROUNDS = Number(process.env.BENCH_ASYNC_ROUNDS ?? 5)
/** Gateway wall / floor wall at most this, for the waiting client. */
export const GOAL_RATIO = 1.15
/** And for the polling client (issue 15). */
export const POLL_GOAL_RATIO = 1.08

/** A marker only this job's prompt (and so its reply) carries; the brackets keep `…/1>` from matching `…/10>`. */
const marker = (round: string, index: number) => `<<${round}/${index}>>`
const prompt = (round: string, index: number) => `Async job ${marker(round, index)} [[fake:sleep=${SLEEP_MS}]]`

type JobOutcome =
  | { readonly _tag: "Ok"; readonly jobId: string; readonly text: string }
  | { readonly _tag: "Failed"; readonly reason: string }

export interface RoundResult {
  readonly wallMs: number
  /** CPU time of the CLI runs (the fakes and their wrappers). */
  readonly cliCpuMs: number
  /** CPU time of the gateway itself (null for the floor). */
  readonly gatewayCpuMs: number | null
  /** CPU time of the bench process (the MCP client, or the spawner). */
  readonly clientCpuMs: number
  readonly failures: number
  /** Results without their own prompt marker, and jobs that landed on another job's id. */
  readonly lost: number
  /** Why the first failed job failed. */
  readonly firstFailure: string | undefined
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Asks for the job's status every POLL_MS until it is no longer queued or running; answers its final status. */
const pollJob = async (gateway: BenchGateway, jobId: string): Promise<Record<string, unknown>> => {
  while (true) {
    const status = requireOk("llm_job_status", await gateway.call("llm_job_status", { jobId })).structuredContent ?? {}
    if (status.status !== "queued" && status.status !== "running") return status
    await sleep(POLL_MS)
  }
}

/** How a client learns that its job has ended: llm_job_wait, or llm_job_status every POLL_MS. */
export type Client = "wait" | "poll"

/** One job through the gateway: start, wait (or poll), read. */
const gatewayJob = async (gateway: BenchGateway, label: string, index: number, client: Client = "wait"): Promise<JobOutcome> => {
  try {
    const started = requireOk(
      "claude_request_async",
      await gateway.call("claude_request_async", { prompt: prompt(label, index) })
    )
    const jobId = String(started.structuredContent?.jobId)
    const final = client === "wait" ? await waitForJob(gateway, jobId) : await pollJob(gateway, jobId)
    if (final.status !== "completed") {
      return { _tag: "Failed", reason: `job ${jobId} ended ${String(final.status)}: ${JSON.stringify(final.error ?? null)}` }
    }
    return { _tag: "Ok", jobId, text: (await readReply(gateway, jobId)).text }
  } catch (e) {
    return { _tag: "Failed", reason: e instanceof Error ? e.message : String(e) }
  }
}

/** Counts outcomes that failed, and results that are not their own job's. */
const tally = (
  label: string,
  outcomes: ReadonlyArray<JobOutcome>
): Pick<RoundResult, "failures" | "lost" | "firstFailure"> => {
  const seen = new Set<string>()
  let failures = 0
  let lost = 0
  let firstFailure: string | undefined
  outcomes.forEach((o, index) => {
    if (o._tag === "Failed") {
      failures++
      firstFailure ??= o.reason
      return
    }
    const duplicate = seen.has(o.jobId)
    seen.add(o.jobId)
    if (duplicate || !o.text.includes(marker(label, index))) lost++
  })
  return { failures, lost, firstFailure }
}

/** Runs one round, timing it and taking the CPU time of the bench and of the process that spawns the CLIs. */
const round = async (spawner: number, task: () => Promise<ReadonlyArray<JobOutcome>>, label: string) => {
  const before = { spawner: procCpuMs(spawner), client: procCpuMs(process.pid) }
  const { ms: wallMs, value } = await timed(task)
  const after = { spawner: procCpuMs(spawner), client: procCpuMs(process.pid) }
  const viaGateway = spawner !== process.pid
  return {
    wallMs,
    cliCpuMs: after.spawner.children - before.spawner.children,
    gatewayCpuMs: viaGateway ? after.spawner.self - before.spawner.self : null,
    clientCpuMs: after.client.self - before.client.self,
    ...tally(label, value)
  }
}

const gatewayRound = (gateway: BenchGateway, label: string, client: Client): Promise<RoundResult> =>
  round(gateway.pid, () => runPool(JOBS, CONCURRENCY, (i) => gatewayJob(gateway, label, i, client)), label)

const floorRound = (env: NodeJS.ProcessEnv, label: string): Promise<RoundResult> => {
  const run = async (index: number): Promise<JobOutcome> => {
    try {
      const { stdout } = await runFakeClaude(prompt(label, index), env, fakeClaude)
      return { _tag: "Ok", jobId: String(index), text: stdout }
    } catch (e) {
      return { _tag: "Failed", reason: e instanceof Error ? e.message : String(e) }
    }
  }
  return round(process.pid, () => runPool(JOBS, CONCURRENCY, run), label)
}

export interface AsyncThroughput {
  /** The waiting client's rounds. */
  readonly gateway: ReadonlyArray<RoundResult>
  /** The polling client's rounds. */
  readonly polling: ReadonlyArray<RoundResult>
  /** The polling client's rounds against the minimal in-memory job server (bench/minimal-job-server.mjs). */
  readonly minimal: ReadonlyArray<RoundResult>
  readonly floor: ReadonlyArray<RoundResult>
}

/** A server with only what the polling client calls, its jobs in memory: what any Node MCP server pays. */
export const minimalJobServer = join(root, "bench/minimal-job-server.mjs")

export const measureAsyncThroughput = async (): Promise<AsyncThroughput> => {
  const limit = String(CONCURRENCY)
  const gateway = await startGateway({
    env: {
      LLM_GATEWAY_CLAUDE_BIN: fakeClaude,
      LLM_GATEWAY_MAX_CONCURRENT_JOBS: limit,
      LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: limit
    }
  })
  const minimal = await startGateway({ server: minimalJobServer, env: { LLM_GATEWAY_CLAUDE_BIN: fakeClaude } })
  const floorHome = mkdtempSync(join(tmpdir(), "gateway-bench-floor-"))
  const floorEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: floorHome }
  const runId = randomUUID().slice(0, 8)
  try {
    // Warm up once each: the first job, and the first spawn, pay for cold caches.
    const warm = await gatewayJob(gateway, `${runId}-warm`, 0)
    if (warm._tag === "Failed") throw new Error(`warm-up job failed: ${warm.reason}`)
    await runFakeClaude(prompt(`${runId}-warm`, 0), floorEnv, fakeClaude)
    const minimalWarm = await gatewayJob(minimal, `${runId}-warm-minimal`, 0, "poll")
    if (minimalWarm._tag === "Failed") throw new Error(`the minimal job server's warm-up job failed: ${minimalWarm.reason}`)
    const result = {
      gateway: [] as Array<RoundResult>,
      polling: [] as Array<RoundResult>,
      minimal: [] as Array<RoundResult>,
      floor: [] as Array<RoundResult>
    }
    for (let r = 0; r < ROUNDS; r++) {
      result.floor.push(await floorRound(floorEnv, `${runId}-${r}-floor`))
      result.gateway.push(await gatewayRound(gateway, `${runId}-${r}`, "wait"))
      result.polling.push(await gatewayRound(gateway, `${runId}-${r}-poll`, "poll"))
      result.minimal.push(await gatewayRound(minimal, `${runId}-${r}-minimal`, "poll"))
    }
    return result
  } finally {
    await gateway.close()
    await minimal.close()
    rmSync(floorHome, { recursive: true, force: true })
  }
}

const sum = (rounds: ReadonlyArray<RoundResult>, key: "failures" | "lost") => rounds.reduce((n, r) => n + r[key], 0)
const walls = (rounds: ReadonlyArray<RoundResult>) => rounds.map((r) => r.wallMs)

/** The table of this measurement. */
export const asyncThroughputTable = (m: AsyncThroughput): string => {
  const cpu = (rounds: ReadonlyArray<RoundResult>, key: "cliCpuMs" | "gatewayCpuMs" | "clientCpuMs") => {
    const xs = rounds.map((r) => r[key]).filter((x): x is number => x !== null)
    return xs.length === 0 ? "–" : ms(median(xs))
  }
  const row = (label: string, rounds: ReadonlyArray<RoundResult>) => [
    label,
    ms(median(walls(rounds))),
    walls(rounds).map((w) => w.toFixed(0)).join(" / "),
    cpu(rounds, "cliCpuMs"),
    cpu(rounds, "gatewayCpuMs"),
    cpu(rounds, "clientCpuMs"),
    count(sum(rounds, "failures")),
    count(sum(rounds, "lost"))
  ]
  const why = [...m.gateway, ...m.polling, ...m.minimal, ...m.floor].map((r) => r.firstFailure).find((f) => f !== undefined)
  return table(
    [
      `async throughput: ${JOBS} jobs × ${SLEEP_MS} ms, ${CONCURRENCY} in flight`,
      "median wall",
      "per round (ms)",
      "CPU (median): CLIs",
      "gateway",
      "bench",
      "failures",
      "lost"
    ],
    [
      row("async jobs via the gateway (start → wait → result)", m.gateway),
      row(`async jobs via the gateway, polling (start → status every ${POLL_MS} ms → result)`, m.polling),
      row("the same polling client against a minimal in-memory SDK job server (reference)", m.minimal),
      row(`direct spawns of the fake claude, ${CONCURRENCY} at a time (floor)`, m.floor)
    ]
  ) + (why !== undefined ? `\nfirst failure: ${why}` : "")
}

/** The figure-table row of this measurement: the waiting client's, or the polling client's. */
export const asyncThroughputFigure = (m: AsyncThroughput, client: Client = "wait"): Array<string> => {
  const rounds = client === "wait" ? m.gateway : m.polling
  const goal = client === "wait" ? GOAL_RATIO : POLL_GOAL_RATIO
  const g = median(walls(rounds))
  const f = median(walls(m.floor))
  const clean = sum(rounds, "failures") === 0 && sum(rounds, "lost") === 0
  return [
    `async throughput wall, gateway / direct spawns (${JOBS} jobs, ${CONCURRENCY} in flight, ` +
    (client === "wait" ? "llm_job_wait)" : `polling llm_job_status every ${POLL_MS} ms)`),
    `${ratio(g, f)}, ${sum(rounds, "failures")} failed, ${sum(rounds, "lost")} lost`,
    `≤ ${goal.toFixed(2)}×, 0 failed, 0 lost`,
    met(g / f <= goal && clean)
  ]
}

/** The polling client's wall over the floor's (medians). */
export const pollingRatio = (m: AsyncThroughput): number => median(walls(m.polling)) / median(walls(m.floor))

/** The same polling client's wall against the minimal in-memory job server, over the floor's (medians). */
export const minimalPollingRatio = (m: AsyncThroughput): number => median(walls(m.minimal)) / median(walls(m.floor))
