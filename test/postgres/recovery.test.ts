/**
 * PostgreSQL faults beyond a clean stop (faults.test.ts):
 *
 * - the database unresponsive (its processes stopped with SIGSTOP: a host
 *   gone without a TCP reset, a stalled server): a call that needs the
 *   store fails with a typed StorageError within a bounded time (each
 *   statement has a time limit, `QUERY_TIMEOUT`; a new request meets it at
 *   most twice), then calls work again once it answers;
 * - the flight-recorder row of a job is completed on PostgreSQL;
 * - a peer's waiter whose wait spans a database restart answers the job's
 *   end, not the StorageError of a read that met the restart.
 *
 * Run: `npx vitest run --config test/postgres/vitest.config.ts test/postgres/recovery.test.ts`
 */
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type PostgresServer, startPostgres } from "../support/postgres.js"
import {
  errorTag,
  freshDatabase,
  type PgGateway,
  recorderRows,
  sharedFolder,
  startPgGateway,
  stopAll,
  timed,
  type ToolResult,
  until
} from "./gateways.js"

const TYPED_ERROR_BOUND_MS = 12_000

const log = (line: string) => process.stdout.write(`[pg faults] ${line}\n`)

/** A call the client gave up on: the gateway never answered. */
const hung = (error: unknown) => ({
  result: { isError: true, content: [{ type: "text", text: `no answer: ${String(error)}` }] } as ToolResult,
  ms: Number.POSITIVE_INFINITY
})

let server: PostgresServer | undefined
afterAll(async () => {
  await stopAll()
  await server?.stop()
})

describe("PostgreSQL: recovery", () => {
  let url: string
  let a: PgGateway
  let b: PgGateway

  beforeAll(async () => {
    server = await startPostgres()
    url = await freshDatabase(server.adminUrl)
    const cwd = sharedFolder()
    const env = { LLM_GATEWAY_HEARTBEAT_MS: "500", LLM_GATEWAY_LEASE_MS: "30000", LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1" }
    a = await startPgGateway({ name: "a", url, hostId: "host-a", cwd, env })
    b = await startPgGateway({ name: "b", url, hostId: "host-b", cwd, env })
    await Promise.all([a.call("llm_process_health", {}), b.call("llm_process_health", {})])
  }, 120_000)

  it("a completed job's flight-recorder row is ended, once, completed", async () => {
    const done = await a.call("claude_request", { prompt: `recorded ${randomUUID()}` })
    expect(done.isError).not.toBe(true)
    const jobId = done.structuredContent!.jobId as string
    await until(async () => (await recorderRows(url, jobId)).every((r) => r.status !== "started"), 10_000, "recorder row ended")
      .catch(() => undefined)
    const rows = await recorderRows(url, jobId)
    if (rows.some((r) => r.status === "started")) log(`A's log on the recorder: ${a.stderr().split("\n").filter((l) => /flight|recorder|end of a request/i.test(l)).slice(0, 3).join(" | ")}`)
    expect(rows.map((r) => r.status)).toEqual(["completed"])
  }, 60_000)

  it("unresponsive (its processes stopped): a call that needs the store fails with a typed StorageError, not a hang", async () => {
    const stopped = server!.processes()
    expect(stopped.length).toBeGreaterThan(0)
    const resume = () => {
      for (const pid of stopped) {
        try {
          process.kill(pid, "SIGCONT")
        } catch {
          // gone
        }
      }
    }
    for (const pid of stopped) process.kill(pid, "SIGSTOP")
    try {
      const calls = await Promise.all([
        // The client gives up at twice the bound: past it the gateway has hung, not answered.
        timed(a, "llm_job_status", { jobId: randomUUID() }, 2 * TYPED_ERROR_BOUND_MS).catch(hung),
        timed(b, "claude_request_async", { prompt: `while the store hangs ${randomUUID()}` }, 2 * TYPED_ERROR_BOUND_MS).catch(hung)
      ])
      resume()
      log(
        `while the database hangs: llm_job_status answered in ${calls[0].ms} ms (${errorTag(calls[0].result)}), ` +
          `a new request in ${calls[1].ms} ms (${errorTag(calls[1].result)})`
      )
      for (const call of calls) {
        expect(call.result.isError).toBe(true)
        expect(errorTag(call.result)).toBe("StorageError")
        expect(call.ms).toBeLessThan(TYPED_ERROR_BOUND_MS)
      }
    } finally {
      resume()
    }
    // Back: calls work again.
    await until(async () => errorTag(await a.call("llm_job_status", { jobId: randomUUID() })) === "JobNotFound", 30_000, "A again")
    await until(async () => errorTag(await b.call("llm_job_status", { jobId: randomUUID() })) === "JobNotFound", 30_000, "B again")
  }, 120_000)

  it("a peer's waiter spanning a database restart answers the job's end, not a StorageError", async () => {
    for (let round = 0; round < 3; round++) {
      const started = await a.call("claude_request_async", { prompt: `[[fake:chunks=10]] [[fake:delay=250]] ${randomUUID()}` })
      const jobId = started.structuredContent!.jobId as string
      await new Promise((r) => setTimeout(r, 500))
      const peerWait = b.call("llm_job_wait", { jobId, timeoutMs: 60_000 }, 70_000)
      await server!.restart("fast")
      const fromPeer = await peerWait
      log(`round ${round}: B's waiter across the restart answered ${JSON.stringify(fromPeer.structuredContent).slice(0, 300)}`)
      expect(fromPeer.isError, JSON.stringify(fromPeer.structuredContent)).not.toBe(true)
      expect(fromPeer.structuredContent!.status).toBe("completed")
    }
  }, 120_000)
})
