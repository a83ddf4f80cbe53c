/**
 * The 1,000-job load on PostgreSQL: two gateway processes (the built binary
 * over stdio, different host ids) on one fresh database, 32 client
 * pipelines in all (submit with `claude_request_async`, wait with
 * `llm_job_wait`, read with `llm_job_result`), half of the jobs waited on
 * and read from the other gateway (woken by NOTIFY). Nothing is lost or
 * duplicated: 1,000 distinct jobs, each completed once with its own reply,
 * 1,000 CLI runs, each prompt run once. The CLI is the lean shell fake of
 * the HTTP load test (test/http/fixtures/fast-claude), so that the gateway
 * and the store are what is measured; jobs/s is printed (the SQLite figure
 * is test/reliability/load-1000.slow.ts's).
 *
 * Run: `npx vitest run --config test/postgres/vitest.config.ts test/postgres/load.test.ts`
 * (after `npm run build`).
 */
import { afterAll, expect, inject, it } from "vitest"
import { FAST_CLAUDE, freshDatabase, type PgGateway, query, sharedFolder, startPgGateway, stopAll } from "./gateways.js"

const JOBS = 1_000
const PIPELINES = 32

const log = (line: string) => process.stdout.write(`[pg load] ${line}\n`)

afterAll(async () => {
  await stopAll()
})

it(`${JOBS} jobs over two gateways on PostgreSQL, ${PIPELINES} in flight: none lost, none run twice`, async () => {
  const url = await freshDatabase(inject("postgresUrl"))
  const cwd = sharedFolder()
  const env = {
    LLM_GATEWAY_CLAUDE_BIN: FAST_CLAUDE,
    LLM_GATEWAY_MAX_CONCURRENT_JOBS: String(PIPELINES / 2),
    LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: String(PIPELINES / 2),
    LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1",
    LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "0"
  }
  const gateways: ReadonlyArray<PgGateway> = [
    await startPgGateway({ name: "a", url, hostId: "host-a", cwd, env }),
    await startPgGateway({ name: "b", url, hostId: "host-b", cwd, env })
  ]
  // Warm both up (store open, instance registered, the CLI identified).
  for (const g of gateways) {
    const warm = await g.call("claude_request", { prompt: `warm up ${g.name}` })
    expect(warm.isError, JSON.stringify(warm.structuredContent)).not.toBe(true)
  }

  const ids = new Array<string | undefined>(JOBS)
  const problems: Array<string> = []
  let completed = 0
  let next = 0
  const start = Date.now()
  const pipeline = async (p: number) => {
    for (;;) {
      const n = next++
      if (n >= JOBS) return
      const owner = gateways[p % 2]!
      // Every other job is waited on and read from the other gateway.
      const reader = n % 2 === 0 ? owner : gateways[(p + 1) % 2]!
      const prompt = `load job ${n} of ${JOBS}`
      const started = await owner.call("claude_request_async", { prompt })
      const jobId = started.structuredContent?.jobId as string | undefined
      if (jobId === undefined || started.structuredContent?.deduped === true) {
        problems.push(`job ${n}: submit answered ${JSON.stringify(started.structuredContent ?? started.content)}`)
        continue
      }
      ids[n] = jobId
      const waited = await reader.call("llm_job_wait", { jobId, timeoutMs: 120_000 }, 130_000)
      if (waited.structuredContent?.status === "completed") completed++
      else problems.push(`job ${n}: waited ${JSON.stringify(waited.structuredContent ?? waited.content)}`)
      const result = await reader.call("llm_job_result", { jobId })
      const text = String(result.structuredContent?.text ?? "")
      if (text !== `claude fake reply to: ${prompt}`) problems.push(`job ${n}: reply ${JSON.stringify(text).slice(0, 200)}`)
    }
  }
  await Promise.all(Array.from({ length: PIPELINES }, (_, p) => pipeline(p)))
  const wallMs = Date.now() - start
  const jobsPerSecond = JOBS / (wallMs / 1000)
  log(`${JOBS} jobs on PostgreSQL over two gateways, ${PIPELINES} in flight: ${(wallMs / 1000).toFixed(1)} s, ${jobsPerSecond.toFixed(1)} jobs/s`)

  expect(problems.slice(0, 10)).toEqual([])
  expect(completed).toBe(JOBS)
  expect(new Set(ids).size).toBe(JOBS)
  expect(ids.every((id) => id !== undefined)).toBe(true)

  // The CLI ran once per prompt, each on the gateway it was submitted to.
  const runs = gateways.flatMap((g) => g.records()).filter((r) => String(r.prompt ?? "").startsWith("load job "))
  expect(runs).toHaveLength(JOBS)
  expect(new Set(runs.map((r) => r.prompt)).size).toBe(JOBS)

  // The store agrees: every job once, completed, with its reply; no output row twice.
  const rows = await query<{ id: string; status: string; finished_at: string | null; reply: string | null }>(
    url,
    `SELECT j.id, j.status, j.finished_at, string_agg(r.data, '' ORDER BY r.seq) AS reply
     FROM jobs j LEFT JOIN job_reply r ON r.job_id = j.id
     WHERE j.argv_json IS NOT NULL GROUP BY j.id, j.status, j.finished_at`
  )
  const byId = new Map(rows.map((r) => [r.id, r]))
  ids.forEach((id, n) => {
    const row = byId.get(id!)
    if (row === undefined) problems.push(`job ${n}: no row`)
    else if (row.status !== "completed" || row.finished_at === null) problems.push(`job ${n}: row ${row.status}`)
    else if (row.reply !== `claude fake reply to: load job ${n} of ${JOBS}`) problems.push(`job ${n}: stored reply ${row.reply}`)
  })
  expect(problems.slice(0, 10)).toEqual([])
  // The load's jobs and the two warm-ups, nothing else.
  expect(rows).toHaveLength(JOBS + gateways.length)
  const [owners] = await query<{ a: string; b: string }>(
    url,
    `SELECT count(*) FILTER (WHERE i.host = 'host-a') AS a, count(*) FILTER (WHERE i.host = 'host-b') AS b
     FROM jobs j JOIN instances i ON i.id = j.owner_instance`
  )
  log(`jobs owned by host-a: ${owners!.a}, by host-b: ${owners!.b}`)
  expect(Number(owners!.a) + Number(owners!.b)).toBe(JOBS + gateways.length)
}, 180_000)
