/**
 * Two gateway processes on one PostgreSQL database, given different host
 * identities (`LLM_GATEWAY_HOST_ID`), each with a HOME of its own: the built
 * binary over stdio, as an MCP client starts it. A job started on one is
 * seen, waited on (woken by NOTIFY: measured from the owner's own waiter
 * answering, and from the moment the CLI answers, to the peer's waiter
 * answering), cancelled and deduplicated from
 * the other; one killed with SIGKILL: the other orphans its job only once
 * its lease has expired, and leaves its CLI process alone (another host's
 * pid is not its to judge).
 *
 * Run: `npx vitest run --config test/postgres/vitest.config.ts test/postgres/hosts.test.ts`
 * (after `npm run build`).
 */
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import {
  alive,
  freshDatabase,
  killGroup,
  percentiles,
  type PgGateway,
  query,
  sharedFolder,
  startPgGateway,
  stopAll,
  TIMED_CLAUDE,
  until
} from "./gateways.js"

/** The old cross-process poll interval of a waiter (JobManager's PEER_POLL): a wake by NOTIFY must beat it well. */
const OLD_POLL_MS = 200
/** From the job's end on its owner (the owner's own waiter answering) to a peer's waiter answering. */
const WAKE_BOUND_MS = 150
const CROSS_HOST_MEDIAN_BOUND_MS = 50
const LEASE_MS = 3_000
const HEARTBEAT_MS = 500

const log = (line: string) => process.stdout.write(`[pg hosts] ${line}\n`)

afterAll(async () => {
  await stopAll()
})

const claudeRuns = (g: PgGateway) => g.records().filter((r) => r.cli === "claude")

/** When the timed fake that ran `pid` stamped its answer (ms), once it has. */
const endedAt = (g: PgGateway, pid: number): number | undefined => g.records().find((r) => r.endedPid === pid)?.endedAt

describe("two hosts on one database", () => {
  let a: PgGateway
  let b: PgGateway
  let url: string

  beforeAll(async () => {
    url = await freshDatabase(inject("postgresUrl"))
    const cwd = sharedFolder()
    const env = {
      LLM_GATEWAY_CLAUDE_BIN: TIMED_CLAUDE,
      LLM_GATEWAY_HEARTBEAT_MS: String(HEARTBEAT_MS),
      LLM_GATEWAY_LEASE_MS: String(LEASE_MS),
      LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1"
    }
    a = await startPgGateway({ name: "a", url, hostId: "host-a", cwd, env })
    b = await startPgGateway({ name: "b", url, hostId: "host-b", cwd, env })
  }, 60_000)

  it("records each instance with its own host id", async () => {
    // A gateway answers `initialize` before its store is open: its row comes with its first tool call.
    await Promise.all([a.call("llm_process_health", {}), b.call("llm_process_health", {})])
    const rows = await query<{ host: string; pid: number }>(url, "SELECT host, pid FROM instances WHERE stopped_at IS NULL ORDER BY host")
    expect(rows.map((r) => [r.host, Number(r.pid)])).toEqual([["host-a", a.pid], ["host-b", b.pid]])
  })

  it("a job started on A is seen from B, deduplicated from B onto A's job, and B's waiter wakes by NOTIFY", async () => {
    const prompt = `sleep=3 shared work ${randomUUID()}`
    const started = await a.call("claude_request_async", { prompt })
    expect(started.isError).not.toBe(true)
    const jobId = started.structuredContent!.jobId as string
    await until(() => claudeRuns(a).length === 1, 10_000, "A's CLI started")
    const cliPid = claudeRuns(a)[0]!.pid!

    const seen = await b.call("llm_job_status", { jobId })
    expect(seen.isError).not.toBe(true)
    expect(seen.structuredContent!.status).toBe("running")
    expect(seen.structuredContent!.ownedByThisServer).toBe(false)

    const again = await b.call("claude_request_async", { prompt })
    expect(again.isError).not.toBe(true)
    expect(again.structuredContent!.jobId).toBe(jobId)
    expect(again.structuredContent!.deduped).toBe(true)

    // A's own waiter answers once A has written the job's end: B's, woken by NOTIFY, right after.
    let ownerAnsweredAt = 0
    let peerAnsweredAt = 0
    const [fromOwner, waited] = await Promise.all([
      a.call("llm_job_wait", { jobId, timeoutMs: 30_000 }).then((r) => {
        ownerAnsweredAt = Date.now()
        return r
      }),
      b.call("llm_job_wait", { jobId, timeoutMs: 30_000 }).then((r) => {
        peerAnsweredAt = Date.now()
        return r
      })
    ])
    expect(fromOwner.structuredContent!.status).toBe("completed")
    expect(waited.structuredContent!.status).toBe("completed")
    const end = endedAt(a, cliPid)
    expect(end).toBeDefined()
    const wakeMs = peerAnsweredAt - ownerAnsweredAt
    log(
      `B's llm_job_wait answered ${wakeMs} ms after A's own (bound ${WAKE_BOUND_MS} ms; the old poll: ${OLD_POLL_MS} ms), ` +
        `${peerAnsweredAt - end!} ms after A's CLI answered`
    )
    expect(wakeMs).toBeLessThan(WAKE_BOUND_MS)

    const fromB = await b.call("llm_job_result", { jobId })
    expect(fromB.structuredContent!.text).toContain("claude fake reply to: sleep=3 shared work")
    // One CLI run in all, on A; B ran none.
    expect(claudeRuns(a)).toHaveLength(1)
    expect(claudeRuns(b)).toHaveLength(0)
  }, 60_000)

  it("a cancel from B ends A's CLI process group promptly", async () => {
    const started = await a.call("codex_request_async", { prompt: `[[fake:silent]] forever ${randomUUID()}` })
    const jobId = started.structuredContent!.jobId as string
    await until(() => a.records().some((r) => r.cli === "codex"), 10_000, "A's CLI started")
    const cliPid = a.records().find((r) => r.cli === "codex")!.pid!
    await until(async () => (await b.call("llm_job_status", { jobId })).structuredContent!.status === "running", 10_000, "running")
    try {
      const asked = Date.now()
      const canceled = await b.call("llm_job_cancel", { jobId })
      expect(canceled.isError).not.toBe(true)
      const waited = await b.call("llm_job_wait", { jobId, timeoutMs: 10_000 })
      const settledMs = Date.now() - asked
      expect(waited.structuredContent!.status).toBe("canceled")
      await until(() => !alive(cliPid), 3_000, "A's CLI ended")
      const goneMs = Date.now() - asked
      log(`cancel from B: canceled as seen from B after ${settledMs} ms, A's CLI gone after ${goneMs} ms`)
      expect(goneMs).toBeLessThan(2_000)
      const fromA = await a.call("llm_job_status", { jobId })
      expect(fromA.structuredContent!.status).toBe("canceled")
    } finally {
      if (alive(cliPid)) killGroup(cliPid)
    }
  }, 60_000)

  it("wake latency from a job's end on A to B's waiter answering, over 20 jobs", async () => {
    const fromCli: Array<number> = []
    const fromOwner: Array<number> = []
    for (let n = 0; n < 20; n++) {
      const started = await a.call("claude_request_async", { prompt: `sleep=0.3 wake ${n} ${randomUUID()}` })
      const jobId = started.structuredContent!.jobId as string
      let ownerAnsweredAt = 0
      let peerAnsweredAt = 0
      await Promise.all([
        a.call("llm_job_wait", { jobId, timeoutMs: 30_000 }).then((r) => {
          ownerAnsweredAt = Date.now()
          expect(r.structuredContent!.status).toBe("completed")
        }),
        b.call("llm_job_wait", { jobId, timeoutMs: 30_000 }).then((r) => {
          peerAnsweredAt = Date.now()
          expect(r.structuredContent!.status).toBe("completed")
        })
      ])
      const [row] = await query<{ pid: number }>(url, "SELECT pid FROM jobs WHERE id = $1", [jobId])
      const end = endedAt(a, Number(row!.pid))
      expect(end).toBeDefined()
      fromCli.push(peerAnsweredAt - end!)
      fromOwner.push(peerAnsweredAt - ownerAnsweredAt)
    }
    const cli = percentiles(fromCli)
    const owner = percentiles(fromOwner)
    log(
      `NOTIFY wake latency over ${fromCli.length} jobs, A's CLI answering -> B's llm_job_wait answering: ` +
        `median ${cli.median} ms, p95 ${cli.p95} ms (min ${cli.min}, max ${cli.max})`
    )
    log(
      `  B's waiter after A's own waiter (the cross-host part): median ${owner.median} ms, p95 ${owner.p95} ms ` +
        `(min ${owner.min}, max ${owner.max})`
    )
    // The cross-host part: issue 19's target is under 50 ms.
    expect(owner.median).toBeLessThan(CROSS_HOST_MEDIAN_BOUND_MS)
    expect(owner.p95).toBeLessThan(WAKE_BOUND_MS)
    // End to end, A's own settling included (two cores shared with other work: not tight).
    expect(cli.median).toBeLessThan(OLD_POLL_MS)
  }, 120_000)
})

describe("one host killed with SIGKILL mid-job", () => {
  it("the other orphans its job only after the lease expires, and never signals its CLI", async () => {
    const url = await freshDatabase(inject("postgresUrl"))
    const cwd = sharedFolder()
    const env = { LLM_GATEWAY_HEARTBEAT_MS: String(HEARTBEAT_MS), LLM_GATEWAY_LEASE_MS: String(LEASE_MS) }
    const c = await startPgGateway({ name: "c", url, hostId: "host-c", cwd, env })
    const d = await startPgGateway({ name: "d", url, hostId: "host-d", cwd, env })
    const started = await c.call("codex_request_async", { prompt: `[[fake:silent]] outlives its server ${randomUUID()}` })
    const jobId = started.structuredContent!.jobId as string
    await until(() => c.records().some((r) => r.cli === "codex"), 10_000, "C's CLI started")
    const cliPid = c.records().find((r) => r.cli === "codex")!.pid!
    try {
      await until(async () => (await d.call("llm_job_status", { jobId })).structuredContent!.status === "running", 10_000, "running")
      // Right after a heartbeat of C, so that its lease runs a known time: wait for the next renewal.
      const [before] = await query<{ heartbeat_at: number }>(url, "SELECT heartbeat_at FROM instances WHERE host = 'host-c'")
      await until(async () => {
        const [row] = await query<{ heartbeat_at: string }>(url, "SELECT heartbeat_at FROM instances WHERE host = 'host-c'")
        return Number(row!.heartbeat_at) !== Number(before!.heartbeat_at)
      }, 5_000, "C renewed its lease")
      process.kill(c.pid, "SIGKILL")
      const killedAt = Date.now()
      await until(() => !alive(c.pid), 3_000, "C gone")
      expect(alive(cliPid)).toBe(true)

      const seen: Array<{ at: number; status: string }> = []
      await until(async () => {
        const status = await d.call("llm_job_status", { jobId })
        seen.push({ at: Date.now() - killedAt, status: String(status.structuredContent!.status) })
        return seen[seen.length - 1]!.status !== "running"
      }, LEASE_MS + 10_000, "D orphaned C's job")
      const orphanedAfter = seen[seen.length - 1]!
      const lastRunning = seen.length > 1 ? seen[seen.length - 2]!.at : undefined
      log(
        `D saw C's job orphaned ${orphanedAfter.at} ms after C's SIGKILL (lease ${LEASE_MS} ms, heartbeat ${HEARTBEAT_MS} ms; ` +
          `still running at ${lastRunning} ms; ${seen.length} status reads)`
      )
      expect(orphanedAfter.status).toBe("orphaned")
      expect(seen.slice(0, -1).every((s) => s.status === "running")).toBe(true)
      // The lease ran from C's last renewal, at most a heartbeat before the kill (plus the status read's time).
      expect(orphanedAfter.at).toBeGreaterThanOrEqual(LEASE_MS - HEARTBEAT_MS)
      expect(orphanedAfter.at).toBeLessThan(LEASE_MS + 3 * HEARTBEAT_MS + 1_000)
      const [row] = await query<{ status: string; error_json: string }>(url, "SELECT status, error_json FROM jobs WHERE id = $1", [jobId])
      expect(row!.status).toBe("orphaned")
      expect(row!.error_json).toContain("lease expired")

      // Another host's pid is not D's to judge: the CLI still runs, heartbeats later too.
      expect(alive(cliPid)).toBe(true)
      await new Promise((r) => setTimeout(r, 4 * HEARTBEAT_MS))
      expect(alive(cliPid)).toBe(true)
      expect(d.stderr()).not.toMatch(/ending process group/)
      expect(d.stderr()).toMatch(new RegExp(`job ${jobId} is orphaned`))
    } finally {
      killGroup(cliPid)
      await until(() => !alive(cliPid), 3_000, "the CLI killed by the test").catch(() => undefined)
    }
  }, 60_000)
})
