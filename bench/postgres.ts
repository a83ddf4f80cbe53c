/**
 * PostgreSQL (issue 19): one real server started for the section
 * (test/support/postgres.ts), gateways started on it as the end-to-end
 * tests of test/postgres/ start them (test/postgres/gateways.ts), and, in the
 * same run:
 *
 * 1. The wake across hosts: gateways A and B with different host ids on one
 *    database; 20 jobs (the timed fake claude, 0.3 s each) started one after
 *    another on A, each waited on with `llm_job_wait` on A and on B at once.
 *    Per job: B's waiter answering − A's own waiter answering (the cross-host
 *    part: NOTIFY, B's read of the row, its answer), and A's CLI ending (the
 *    moment the fake stamps just before it answers) → B's waiter answering.
 *    Issue 19's target: under 50 ms.
 * 2. The 1,000-job load of test/postgres/load.test.ts: two gateways, 32
 *    client pipelines (submit with `claude_request_async`, `llm_job_wait`,
 *    `llm_job_result`), half of the jobs waited on and read from the other
 *    gateway, the lean shell fake claude; on PostgreSQL, then the very same
 *    load on two gateways sharing one SQLite file. Nothing lost or run twice
 *    is checked on each: every job answered completed with its own reply,
 *    one CLI run per prompt, one completed row per job in the store.
 *
 * Skipped, with a note, when PostgreSQL's binaries are missing and this is
 * not root (as root, the harness installs Debian's `postgresql`). Every
 * gateway, fake CLI and the server are stopped at the end, on failure too.
 *
 * Part of `npm run bench`; alone: `npm run build && npx tsx bench/postgres.ts`.
 */
import { randomUUID } from "node:crypto"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import {
  FAST_CLAUDE,
  freshDatabase,
  type PgGateway,
  query,
  sharedFolder,
  startPgGateway,
  stopAll,
  TIMED_CLAUDE
} from "../test/postgres/gateways.js"
import { withDb } from "../test/reliability/helpers/server.js"
import { findBinDir, type PostgresServer, startPostgres } from "../test/support/postgres.js"
import { count, median, met, ms, quantile, ratio, table } from "./stats.js"

const WAKE_JOBS = 20
const WAKE_TARGET_MS = 50
const LOAD_JOBS = 1_000
const PIPELINES = 32

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0

/** Wall-clock milliseconds with sub-millisecond resolution (the fake stamps its end with `date +%s%3N`). */
const now = (): number => performance.timeOrigin + performance.now()

// ---------------------------------------------------------------------------------------------------------
// 1. The wake across hosts

export interface WakeFigures {
  /** B's waiter answering − A's own waiter answering, per job (ms). */
  readonly crossHost: ReadonlyArray<number>
  /** A's CLI ending → B's waiter answering, per job (ms). */
  readonly fromCli: ReadonlyArray<number>
}

const completedOrThrow = (what: string, r: Awaited<ReturnType<PgGateway["call"]>>): void => {
  if (r.structuredContent?.status !== "completed") {
    throw new Error(`${what}: ${JSON.stringify(r.structuredContent ?? r.content).slice(0, 300)}`)
  }
}

export const measureWake = async (server: PostgresServer): Promise<WakeFigures> => {
  const url = await freshDatabase(server.adminUrl)
  const cwd = sharedFolder()
  const env = { LLM_GATEWAY_CLAUDE_BIN: TIMED_CLAUDE, LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1" }
  const a = await startPgGateway({ name: "wake-a", url, hostId: "host-a", cwd, env })
  const b = await startPgGateway({ name: "wake-b", url, hostId: "host-b", cwd, env })
  const endedAt = (pid: number) => a.records().find((r) => r.endedPid === pid)?.endedAt
  const crossHost: Array<number> = []
  const fromCli: Array<number> = []
  // One job first, not counted: both stores open, instances registered, B listening.
  for (let n = -1; n < WAKE_JOBS; n++) {
    const started = await a.call("claude_request_async", { prompt: `sleep=0.3 wake ${n} ${randomUUID()}` })
    const jobId = started.structuredContent?.jobId as string | undefined
    if (jobId === undefined) throw new Error(`submit on A: ${JSON.stringify(started.structuredContent ?? started.content)}`)
    let ownerAt = 0
    let peerAt = 0
    await Promise.all([
      a.call("llm_job_wait", { jobId, timeoutMs: 30_000 }).then((r) => {
        ownerAt = now()
        completedOrThrow("A's wait", r)
      }),
      b.call("llm_job_wait", { jobId, timeoutMs: 30_000 }).then((r) => {
        peerAt = now()
        completedOrThrow("B's wait", r)
      })
    ])
    if (n < 0) continue
    const [row] = await query<{ pid: number }>(url, "SELECT pid FROM jobs WHERE id = $1", [jobId])
    const end = endedAt(Number(row!.pid))
    if (end === undefined) throw new Error(`job ${jobId}: the timed fake recorded no end`)
    crossHost.push(peerAt - ownerAt)
    fromCli.push(peerAt - end)
  }
  await Promise.all([a.close(), b.close()])
  return { crossHost, fromCli }
}

export const wakeTable = (f: WakeFigures): string => {
  const row = (what: string, xs: ReadonlyArray<number>) => {
    const m = median(xs)
    return [what, ms(m), ms(quantile(xs, 0.95)), `${ms(Math.min(...xs))} – ${ms(Math.max(...xs))}`, `median < ${WAKE_TARGET_MS} ms`, met(m < WAKE_TARGET_MS)]
  }
  return table(
    [`issue 19: a job's end on host A → a waiter on host B (${f.crossHost.length} jobs)`, "median", "p95", "min – max", "target", "met"],
    [
      row("B's llm_job_wait answering − A's own llm_job_wait answering (cross-host: NOTIFY)", f.crossHost),
      row("A's CLI ending → B's llm_job_wait answering (end to end)", f.fromCli)
    ]
  )
}

// ---------------------------------------------------------------------------------------------------------
// 2. The 1,000-job load, on PostgreSQL and on SQLite

export interface LoadFigures {
  readonly store: string
  readonly wallMs: number
  readonly jobsPerSecond: number
  readonly completed: number
  readonly distinctJobIds: number
  readonly cliRuns: number
  readonly distinctPrompts: number
  /** The load's jobs found completed, with their own reply, in the store. */
  readonly storedCompleted: number
  /** Rows of jobs in the store (the load's and the two warm-ups). */
  readonly storedRows: number
  /** Jobs in the store per owning instance. */
  readonly perOwner: ReadonlyArray<number>
  /** The gateways' warnings that a job's end could not be written at once (written by a retry). */
  readonly endWritesRetried: number
  /** Each answer or stored row that was not what it should be (a submit, a wait, a reply read, a row). */
  readonly problems: ReadonlyArray<string>
}

type Rows = <R extends Record<string, unknown>>(sql: string) => Promise<ReadonlyArray<R>>

const runLoad = async (store: string, gateways: ReadonlyArray<PgGateway>, rows: Rows): Promise<LoadFigures> => {
  // Warm both up (store open, instance registered, the CLI identified).
  for (const g of gateways) {
    const warm = await g.call("claude_request", { prompt: `warm up ${g.name}` })
    if (warm.isError === true) throw new Error(`warm-up of ${g.name}: ${JSON.stringify(warm.structuredContent ?? warm.content)}`)
  }
  const ids = new Array<string | undefined>(LOAD_JOBS)
  const problems: Array<string> = []
  let completed = 0
  let next = 0
  const start = now()
  const pipeline = async (p: number) => {
    for (;;) {
      const n = next++
      if (n >= LOAD_JOBS) return
      const owner = gateways[p % 2]!
      // Every other job is waited on and read from the other gateway.
      const reader = n % 2 === 0 ? owner : gateways[(p + 1) % 2]!
      const prompt = `load job ${n} of ${LOAD_JOBS}`
      const started = await owner.call("claude_request_async", { prompt })
      const jobId = started.structuredContent?.jobId as string | undefined
      if (jobId === undefined || started.structuredContent?.deduped === true) {
        problems.push(`job ${n}: submit answered ${JSON.stringify(started.structuredContent ?? started.content).slice(0, 200)}`)
        continue
      }
      ids[n] = jobId
      const waited = await reader.call("llm_job_wait", { jobId, timeoutMs: 120_000 }, 130_000)
      if (waited.structuredContent?.status === "completed") completed++
      else problems.push(`job ${n}: waited ${JSON.stringify(waited.structuredContent ?? waited.content).slice(0, 200)}`)
      const result = await reader.call("llm_job_result", { jobId })
      const text = String(result.structuredContent?.text ?? "")
      if (text !== `claude fake reply to: ${prompt}`) {
        const sc = result.structuredContent
        problems.push(
          `job ${n}, read from ${reader === owner ? "its owner" : "the other gateway"}: ` +
            (sc === undefined ?
              JSON.stringify(result.content).slice(0, 200) :
              `status ${sc.status}, text ${JSON.stringify(text).slice(0, 80)} of totalChars ${sc.totalChars}`)
        )
      }
    }
  }
  await Promise.all(Array.from({ length: PIPELINES }, (_, p) => pipeline(p)))
  const wallMs = now() - start

  const runs = gateways.flatMap((g) => g.records()).filter((r) => String(r.prompt ?? "").startsWith("load job "))
  // The store's view, in SQL both dialects read alike: each job once, completed, with its own reply.
  const jobRows = await rows<{ id: string; status: string; finished_at: unknown }>("SELECT id, status, finished_at FROM jobs")
  const replyRows = await rows<{ job_id: string; seq: number; data: string }>("SELECT job_id, seq, data FROM job_reply ORDER BY job_id, seq")
  const replies = new Map<string, string>()
  for (const r of replyRows) replies.set(r.job_id, (replies.get(r.job_id) ?? "") + r.data)
  const byId = new Map(jobRows.map((r) => [r.id, r]))
  let storedCompleted = 0
  ids.forEach((id, n) => {
    const row = id === undefined ? undefined : byId.get(id)
    if (row === undefined) problems.push(`job ${n}: no row`)
    else if (row.status !== "completed" || row.finished_at === null) problems.push(`job ${n}: row ${row.status}`)
    else if (replies.get(id!) !== `claude fake reply to: load job ${n} of ${LOAD_JOBS}`) problems.push(`job ${n}: stored reply`)
    else storedCompleted++
  })
  const owners = await rows<{ owner_instance: string; n: number | string }>(
    "SELECT owner_instance, count(*) AS n FROM jobs GROUP BY owner_instance ORDER BY owner_instance"
  )
  return {
    store,
    wallMs,
    jobsPerSecond: LOAD_JOBS / (wallMs / 1000),
    completed,
    distinctJobIds: new Set(ids.filter((id) => id !== undefined)).size,
    cliRuns: runs.length,
    distinctPrompts: new Set(runs.map((r) => r.prompt)).size,
    storedCompleted,
    storedRows: jobRows.length,
    perOwner: owners.map((o) => Number(o.n)),
    endWritesRetried: gateways.reduce((sum, g) => sum + (g.stderr().match(/could not record the end of job/g)?.length ?? 0), 0),
    problems
  }
}

const loadEnv = {
  LLM_GATEWAY_CLAUDE_BIN: FAST_CLAUDE,
  LLM_GATEWAY_MAX_CONCURRENT_JOBS: String(PIPELINES / 2),
  LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: String(PIPELINES / 2),
  LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1",
  LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "0"
}

export const loadOnPostgres = async (server: PostgresServer): Promise<LoadFigures> => {
  const url = await freshDatabase(server.adminUrl)
  const cwd = sharedFolder()
  const gateways = [
    await startPgGateway({ name: "pg-a", url, hostId: "host-a", cwd, env: loadEnv }),
    await startPgGateway({ name: "pg-b", url, hostId: "host-b", cwd, env: loadEnv })
  ]
  try {
    return await runLoad("PostgreSQL", gateways, (sql) => query(url, sql))
  } finally {
    await Promise.all(gateways.map((g) => g.close()))
  }
}

/**
 * The same two gateways on one SQLite file: startPgGateway with an empty
 * database URL (the gateway reads an empty one as unset) and no host id
 * (the host name), the file named by `LLM_GATEWAY_JOBS_DB`.
 */
export const loadOnSqlite = async (): Promise<LoadFigures> => {
  const cwd = sharedFolder()
  const file = join(cwd, "jobs.db")
  const env = { ...loadEnv, LLM_GATEWAY_JOBS_DB: file }
  const gateways = [
    await startPgGateway({ name: "sqlite-a", url: "", hostId: "", cwd, env }),
    await startPgGateway({ name: "sqlite-b", url: "", hostId: "", cwd, env })
  ]
  try {
    return await runLoad("SQLite (one file)", gateways, async (sql) => withDb(file, (db) => db.prepare(sql).all() as Array<never>))
  } finally {
    await Promise.all(gateways.map((g) => g.close()))
  }
}

/** Whether a load lost or duplicated nothing: every job answered completed and stored once, one CLI run per prompt. */
const whole = (f: LoadFigures): boolean =>
  f.completed === LOAD_JOBS &&
  f.distinctJobIds === LOAD_JOBS &&
  f.cliRuns === LOAD_JOBS &&
  f.distinctPrompts === LOAD_JOBS &&
  f.storedCompleted === LOAD_JOBS &&
  f.storedRows === LOAD_JOBS + 2

export const loadTable = (pg: LoadFigures, sqlite: LoadFigures): string => {
  const row = (f: LoadFigures) => [
    f.store,
    `${(f.wallMs / 1000).toFixed(1)} s`,
    f.jobsPerSecond.toFixed(1),
    `${count(f.completed)} / ${count(f.distinctJobIds)} / ${count(f.cliRuns)} / ${count(f.storedCompleted)}`,
    f.perOwner.map(count).join(" + "),
    met(whole(f)),
    String(f.problems.length)
  ]
  return table(
    [
      `issue 19: ${count(LOAD_JOBS)} jobs over two gateways, ${PIPELINES} in flight`,
      "wall",
      "jobs/s",
      "completed / job ids / CLI runs / stored",
      "rows per owner",
      "none lost or twice",
      "problems"
    ],
    [row(pg), row(sqlite), ["PostgreSQL / SQLite (jobs/s)", "", ratio(pg.jobsPerSecond, sqlite.jobsPerSecond), "", "", "", ""]]
  )
}

// ---------------------------------------------------------------------------------------------------------
// The section

/**
 * Runs the section and prints its tables (or why it was skipped). Failures
 * of the figures (a target missed, a job lost) are printed, not thrown; a
 * measurement that could not be made throws, after everything is stopped.
 */
export const runPostgresSection = async (write: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> => {
  if (findBinDir() === undefined && !isRoot()) {
    write(
      "PostgreSQL (issue 19): skipped, PostgreSQL is not installed (no pg_ctl on PATH, in /usr/lib/postgresql/*/bin " +
        "or from pg_config). Install it (Debian: apt-get install postgresql) or set LLM_GATEWAY_TEST_POSTGRES_BIN.\n\n"
    )
    return
  }
  const began = now()
  let server: PostgresServer | undefined
  const onExit = () => server?.stopSync()
  // Interrupted: the server goes down with this process (the gateways end on their stdin's end).
  const onSignal = (signal: NodeJS.Signals) => {
    onExit()
    process.exit(signal === "SIGINT" ? 130 : 143)
  }
  process.on("exit", onExit)
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)
  try {
    server = await startPostgres()
    const version = (await query<{ v: string }>(server.adminUrl, "SELECT current_setting('server_version') AS v"))[0]?.v
    write(`PostgreSQL ${version ?? "?"} on 127.0.0.1 (a temporary cluster, fsync off), up in ${ms(now() - began)}\n\n`)
    const wake = await measureWake(server)
    write(wakeTable(wake) + "\n\n")
    const pg = await loadOnPostgres(server)
    const sqlite = await loadOnSqlite()
    write(loadTable(pg, sqlite) + "\n")
    for (const f of [pg, sqlite]) {
      if (f.endWritesRetried > 0) {
        write(`  ${f.store}: ${f.endWritesRetried} job end(s) not written at once (the gateways' "could not record the end of job" warnings; written by a retry)\n`)
      }
      if (!whole(f) || f.problems.length > 0) {
        write(`  ${f.store}: ${f.problems.length} problem(s): ${f.problems.slice(0, 3).join("; ")}\n`)
        process.exitCode = 1
      }
    }
    write(`(the PostgreSQL section took ${((now() - began) / 1000).toFixed(0)} s)\n\n`)
  } finally {
    await stopAll()
    await server?.stop()
    process.off("exit", onExit)
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runPostgresSection().catch((e) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
    process.exitCode = 1
  })
}
