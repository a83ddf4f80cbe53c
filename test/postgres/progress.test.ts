/**
 * Progress across hosts: a client waiting on gateway B for a job that
 * gateway A runs hears the job's output grow as A flushes it, woken by the
 * store's notifications (NOTIFY), not only by B's once-a-second look.
 */
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type PostgresServer, startPostgres } from "../support/postgres.js"
import { freshDatabase, type PgGateway, sharedFolder, startPgGateway, stopAll } from "./gateways.js"

let server: PostgresServer | undefined
afterAll(async () => {
  await stopAll()
  await server?.stop()
})

describe("progress across hosts", () => {
  let a: PgGateway
  let b: PgGateway

  beforeAll(async () => {
    server = await startPostgres()
    const url = await freshDatabase(server.adminUrl)
    const cwd = sharedFolder()
    // A flushes its output every 100 ms; B's own look at the row stays once a second.
    const env = { LLM_GATEWAY_FLUSH_INTERVAL_MS: "100", LLM_GATEWAY_HEARTBEAT_MS: "500" }
    a = await startPgGateway({ name: "a", url, hostId: "host-a", cwd, env })
    b = await startPgGateway({ name: "b", url, hostId: "host-b", cwd, env })
  }, 120_000)

  it("a waiter on B hears each flush of A's job, more often than B's own once-a-second look could", async () => {
    // 12 pieces of output, 250 ms apart: about 3 s of a growing job.
    const prompt = `[[fake:chunks=12]] [[fake:delay=250]] [[fake:big=6000]] ${randomUUID()}`
    const started = await a.call("claude_request_async", { prompt })
    const jobId = started.structuredContent!.jobId as string
    const heard: Array<{ at: number; message: string }> = []
    const startedAt = Date.now()
    const result = await b.client.callTool(
      { name: "llm_job_wait", arguments: { jobId, timeoutMs: 60_000 } },
      undefined,
      {
        timeout: 70_000,
        onprogress: (p) => {
          heard.push({ at: Date.now() - startedAt, message: p.message ?? "" })
        }
      }
    )
    expect((result.structuredContent as { status?: string }).status).toBe("completed")
    const growing = heard.filter((h) => /[1-9]\d* bytes of output/.test(h.message))
    process.stdout.write(
      `[pg progress] B heard ${heard.length} progress notifications over ${Date.now() - startedAt} ms: ` +
        `${heard.map((h) => h.at).join(", ")} ms\n`
    )
    // The job ran about 3 s: a look once a second hears at most about 3; the notifications of A's flushes more.
    expect(growing.length).toBeGreaterThanOrEqual(6)
    const bytes = growing.map((h) => Number(/(\d+) bytes of output/.exec(h.message)![1]))
    for (let i = 1; i < bytes.length; i++) expect(bytes[i]).toBeGreaterThanOrEqual(bytes[i - 1]!)
  }, 120_000)
})
