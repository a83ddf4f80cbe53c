/**
 * The load run: N async jobs over the four CLIs with a fixed number of
 * client pipelines outstanding (submit, wait, read the result), the
 * server's memory sampled meanwhile, and the database's size before, after
 * and after the retention purge.
 */
import { statSync } from "node:fs"
import { join } from "node:path"
import { callTool, type Gateway, memoryOf, startGateway, tempDir, waitUntil, withDb } from "./server.js"

const CLIS = ["claude", "codex", "gemini", "grok"] as const

/** Bytes the database holds in use (pages less free pages) and its file size (with the WAL). */
export const dbSize = (path: string): { readonly usedBytes: number; readonly fileBytes: number } => {
  const usedBytes = withDb(path, (db) => {
    const pageSize = db.pragma("page_size", { simple: true }) as number
    const pages = db.pragma("page_count", { simple: true }) as number
    const free = db.pragma("freelist_count", { simple: true }) as number
    return (pages - free) * pageSize
  })
  const size = (p: string) => {
    try {
      return statSync(p).size
    } catch {
      return 0
    }
  }
  return { usedBytes, fileBytes: size(path) + size(`${path}-wal`) }
}

export interface LoadReport {
  readonly jobs: number
  readonly inFlight: number
  readonly wallMs: number
  readonly jobsPerSecond: number
  readonly completed: number
  readonly distinctJobIds: number
  readonly cliRuns: number
  readonly promptsSeenTwice: number
  readonly wrongResults: number
  readonly rssBaselineKb: number
  readonly rssMaxKb: number
  readonly hwmKb: number
  readonly rssSamples: number
  /** The highest RSS seen in each quarter of the jobs (KiB): flat when memory does not grow with the count. */
  readonly rssByQuarterKb: ReadonlyArray<number>
  readonly dbBefore: { readonly usedBytes: number; readonly fileBytes: number }
  readonly dbAfterLoad: { readonly usedBytes: number; readonly fileBytes: number }
  readonly dbAfterPurge: { readonly usedBytes: number; readonly fileBytes: number }
  readonly rowsAfterPurge: number
  readonly outputRowsAfterPurge: number
  readonly purgeMs: number
}

/** Runs the load; the caller asserts on the report. */
export const runLoad = async (jobs: number, inFlight: number): Promise<LoadReport> => {
  const dir = tempDir()
  const db = join(dir, "jobs.db")
  const env = {
    LLM_GATEWAY_JOBS_DB: db,
    LLM_GATEWAY_MAX_CONCURRENT_JOBS: String(inFlight),
    LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: String(Math.ceil(inFlight / CLIS.length)),
    LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1",
    LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "0"
  }
  let gateway: Gateway = await startGateway(env, { dir })
  // The database as a fresh server leaves it, once one job has warmed the server up and been purged.
  await callTool(gateway, "list_models", {})
  await gateway.close()
  const dbBefore = dbSize(db)

  gateway = await startGateway(env, { dir })
  const serverPid = gateway.transport.pid!
  const warm = await callTool(gateway, "claude_request", { prompt: "warm up" })
  if (warm.isError === true) throw new Error(`warm-up failed: ${JSON.stringify(warm.structuredContent)}`)
  const rssBaselineKb = memoryOf(serverPid).rssKb
  let rssMaxKb = rssBaselineKb
  let rssSamples = 0
  const rssByQuarterKb = [0, 0, 0, 0]
  let finished = 0
  const sampler = setInterval(() => {
    try {
      const rss = memoryOf(serverPid).rssKb
      rssMaxKb = Math.max(rssMaxKb, rss)
      const q = Math.min(3, Math.floor((finished / jobs) * 4))
      rssByQuarterKb[q] = Math.max(rssByQuarterKb[q]!, rss)
      rssSamples++
    } catch {}
  }, 50)

  const ids = new Array<string>(jobs)
  let wrongResults = 0
  let completed = 0
  let next = 0
  const start = Date.now()
  const pipeline = async () => {
    for (;;) {
      const n = next++
      if (n >= jobs) return
      const cli = CLIS[n % CLIS.length]!
      const prompt = `load job ${n} of ${jobs}`
      const started = await callTool(gateway, `${cli}_request_async`, { prompt })
      const jobId = started.structuredContent?.jobId as string | undefined
      if (jobId === undefined) {
        wrongResults++
        continue
      }
      ids[n] = jobId
      const waited = await callTool(gateway, "llm_job_wait", { jobId, timeoutMs: 120_000 })
      if (waited.structuredContent?.status === "completed") completed++
      const result = await callTool(gateway, "llm_job_result", { jobId })
      const text = String(result.structuredContent?.text ?? "")
      if (!text.includes(`${cli} fake reply to: ${prompt}`) || text.includes(`load job ${n + 1} of`)) wrongResults++
      finished++
    }
  }
  try {
    await Promise.all(Array.from({ length: inFlight }, pipeline))
  } finally {
    clearInterval(sampler)
  }
  const wallMs = Date.now() - start
  const hwmKb = memoryOf(serverPid).hwmKb
  const prompts = gateway.records().filter((r) => r.cli !== undefined && String(r.prompt ?? "").startsWith("load job "))
  const seen = new Map<string, number>()
  for (const r of prompts) seen.set(String(r.prompt), (seen.get(String(r.prompt)) ?? 0) + 1)
  await gateway.close()
  const dbAfterLoad = dbSize(db)

  // A server with a retention of one second purges every finished job at start-up.
  await new Promise((r) => setTimeout(r, 1_100))
  const purgeStart = Date.now()
  gateway = await startGateway({ ...env, LLM_GATEWAY_JOB_RETENTION_DAYS: String(1 / 86_400) }, { dir })
  await callTool(gateway, "list_models", {})
  await waitUntil(() => withDb(db, (d) => (d.prepare("SELECT count(*) AS n FROM jobs").get() as { n: number }).n) === 0, 30_000)
  const purgeMs = Date.now() - purgeStart
  await gateway.close()
  const counts = withDb(db, (d) => ({
    rows: (d.prepare("SELECT count(*) AS n FROM jobs").get() as { n: number }).n,
    output: (d.prepare("SELECT count(*) AS n FROM job_output").get() as { n: number }).n
  }))
  const dbAfterPurge = dbSize(db)

  return {
    jobs,
    inFlight,
    wallMs,
    jobsPerSecond: Math.round((jobs / wallMs) * 1000 * 10) / 10,
    completed,
    distinctJobIds: new Set(ids.filter((x) => x !== undefined)).size,
    cliRuns: prompts.length,
    promptsSeenTwice: [...seen.values()].filter((c) => c > 1).length,
    wrongResults,
    rssBaselineKb,
    rssMaxKb,
    hwmKb,
    rssSamples,
    rssByQuarterKb,
    dbBefore,
    dbAfterLoad,
    dbAfterPurge,
    rowsAfterPurge: counts.rows,
    outputRowsAfterPurge: counts.output,
    purgeMs
  }
}

export const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`
export const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`
