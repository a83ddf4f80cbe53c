/**
 * A bounded load over Streamable HTTP against one built server (`--http`,
 * a temporary HOME, the fake CLIs): 200 MCP sessions, 1,000 sync tool calls
 * in all (claude_request on a lean fake claude), several sessions at once
 * and several calls at once within a session. Nothing is lost (each call answered once, with its own reply,
 * by one CLI run), nothing fails, every session ends by DELETE, and at the
 * end neither the server nor any CLI it ran is left. The wall time and the
 * server's peak memory are printed (not asserted).
 */
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { type BinaryServer, runningInGroups, startBinaryServer } from "./binaryServer.js"
import { alive, connect, raw, waitUntil } from "./harness.js"

const SESSIONS = 200
const CALLS_PER_SESSION = 5
/** Sessions open at once. */
const AT_ONCE = 40
/** Calls at once within a session (the rest one after another). */
const CONCURRENT_IN_SESSION = 2
/**
 * The CLI run: a lean fake claude in POSIX shell (see the script). The
 * Node.js fakes cost ~150 ms of CPU a run, so 1,000 runs of them would take
 * more than the whole test may on 2 cores; this measures the gateway instead.
 */
const FAST_CLAUDE = join(import.meta.dirname, "fixtures/fast-claude")

interface Result {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Record<string, any>
}

interface Answered {
  readonly session: number
  readonly call: number
  readonly cli: string
  readonly prompt: string
  readonly result: Result
}

let server: BinaryServer | undefined
afterAll(async () => {
  await server?.stop()
})

describe("load over HTTP", () => {
  it(`${SESSIONS} sessions, ${SESSIONS * CALLS_PER_SESSION} sync calls: each answered once with its own reply, no CLI left`, async () => {
    const started = await startBinaryServer({
      env: {
        // Every session of the run may be open at once: the session limit is not what is measured.
        LLM_GATEWAY_HTTP_MAX_SESSIONS: String(SESSIONS + 10),
        LLM_GATEWAY_MAX_CONCURRENT_JOBS: "16",
        LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: "8",
        LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1",
        LLM_GATEWAY_CLAUDE_BIN: FAST_CLAUDE
      }
    })
    server = started
    const address = { host: started.host, port: started.port }

    let rssMaxKb = 0
    const sampler = setInterval(() => {
      const rss = started.memory().rssKb
      if (Number.isFinite(rss)) rssMaxKb = Math.max(rssMaxKb, rss)
    }, 100)

    const answered: Array<Answered> = []
    const errors: Array<string> = []
    const sessionIds: Array<string> = []
    const deleted: Array<string> = []
    let nextSession = 0
    let peakOpen = 0
    let open = 0

    const runSession = async (s: number): Promise<void> => {
      const { client, transport } = await connect(started.url)
      open++
      peakOpen = Math.max(peakOpen, open)
      const id = transport.sessionId!
      sessionIds.push(id)
      try {
        const one = async (c: number): Promise<void> => {
          const cli = "claude"
          const prompt = `load session ${s} call ${c} of ${CALLS_PER_SESSION}`
          const result = (await client.callTool({ name: `${cli}_request`, arguments: { prompt } })) as Result
          answered.push({ session: s, call: c, cli, prompt, result })
        }
        await Promise.all(Array.from({ length: CONCURRENT_IN_SESSION }, (_, c) => one(c)))
        for (let c = CONCURRENT_IN_SESSION; c < CALLS_PER_SESSION; c++) await one(c)
      } finally {
        await transport.terminateSession()
        deleted.push(id)
        open--
        await client.close()
      }
    }
    const worker = async (): Promise<void> => {
      for (;;) {
        const s = nextSession++
        if (s >= SESSIONS) return
        await runSession(s).catch((e: unknown) => {
          errors.push(`session ${s}: ${e instanceof Error ? e.message : String(e)}`)
        })
      }
    }

    const start = Date.now()
    const cpuBefore = started.cpuMs()
    try {
      await Promise.all(Array.from({ length: AT_ONCE }, worker))
    } finally {
      clearInterval(sampler)
    }
    const wallMs = Date.now() - start
    const { hwmKb } = started.memory()
    const cpuMs = started.cpuMs() - cpuBefore
    rssMaxKb = Math.max(rssMaxKb, started.memory().rssKb)

    const calls = SESSIONS * CALLS_PER_SESSION
    console.error(
      `[http load] ${SESSIONS} sessions (${peakOpen} open at most), ${answered.length} of ${calls} calls answered ` +
        `in ${(wallMs / 1000).toFixed(1)} s (${(answered.length / (wallMs / 1000)).toFixed(0)} calls/s); ` +
        `server RSS peak ${(rssMaxKb / 1024).toFixed(1)} MiB sampled, VmHWM ${(hwmKb / 1024).toFixed(1)} MiB; ` +
        `server CPU ${(cpuMs / 1000).toFixed(1)} s (${(cpuMs / calls).toFixed(1)} ms a call, start-up excluded)`
    )

    // No error, nothing lost, nothing answered twice.
    expect(errors).toEqual([])
    expect(answered).toHaveLength(calls)
    const keys = new Set(answered.map((a) => `${a.session}/${a.call}`))
    expect(keys.size).toBe(calls)
    // Each its own reply.
    const wrong = answered.filter((a) =>
      a.result.isError === true ||
      a.result.structuredContent?.cli !== a.cli ||
      String(a.result.structuredContent?.text ?? "").trim() !== `${a.cli} fake reply to: ${a.prompt}` ||
      !String(a.result.content[0]?.text ?? "").includes(`${a.cli} fake reply to: ${a.prompt}`)
    )
    expect(wrong.map((a) => ({ prompt: a.prompt, result: a.result.structuredContent ?? a.result.content }))).toEqual([])
    expect(new Set(answered.map((a) => a.result.structuredContent!.jobId)).size).toBe(calls)
    // One CLI run per call.
    const runs = new Map<string, number>()
    for (const r of started.records()) {
      if (r.prompt?.startsWith("load session ")) runs.set(r.prompt, (runs.get(r.prompt) ?? 0) + 1)
    }
    expect(runs.size).toBe(calls)
    expect([...runs.entries()].filter(([, n]) => n !== 1)).toEqual([])

    // Every session ended by DELETE: its id is unknown now.
    expect(new Set(sessionIds).size).toBe(SESSIONS)
    expect(deleted).toHaveLength(SESSIONS)
    const after = await Promise.all(
      sessionIds.map((id) =>
        raw(address, { headers: { "Mcp-Session-Id": id }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) })
      )
    )
    expect(after.filter((r) => r.status !== 404).map((r) => r.status)).toEqual([])

    // The server ends on SIGTERM; no CLI it ran is left.
    const pids = started.records().flatMap((r) => r.pid !== undefined ? [r.pid] : [])
    expect(pids.length).toBeGreaterThanOrEqual(calls)
    expect(await started.stop()).toBe(0)
    expect(alive(started.pid)).toBe(false)
    await waitUntil(() => pids.every((pid) => !alive(pid)), 5_000)
    // Nor anything in their process groups.
    expect(runningInGroups(new Set(pids))).toEqual([])
    expect(started.stdout()).toBe("")
  }, 180_000)

  it("SIGTERM with 30 sessions and 60 calls in flight (16 CLIs running, the rest queued): exit 0, every CLI gone", async () => {
    const started = await startBinaryServer({
      env: { LLM_GATEWAY_MAX_CONCURRENT_JOBS: "16", LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: "16", LLM_GATEWAY_KILL_GRACE_MS: "500" }
    })
    server = started
    const sessions = await Promise.all(Array.from({ length: 30 }, () => connect(started.url)))
    const pending = sessions.flatMap(({ client }, s) =>
      [0, 1].map((c) =>
        client.callTool({ name: "claude_request", arguments: { prompt: `[[fake:silent]] in flight ${s}/${c}` } })
          .then(() => "answered", (e: unknown) => e instanceof Error ? e.message : String(e))
      )
    )
    await waitUntil(() => started.records().filter((r) => r.prompt?.includes("in flight")).length >= 16, 30_000)
    const pids = started.records().flatMap((r) => r.pid !== undefined ? [r.pid] : [])
    expect(pids.filter(alive).length).toBeGreaterThanOrEqual(16)
    const signalled = Date.now()
    expect(await started.stop()).toBe(0)
    const stopMs = Date.now() - signalled
    console.error(`[http load] SIGTERM with ${pids.length} CLIs running and ${60 - pids.length} calls queued: exit in ${stopMs} ms`)
    await waitUntil(() => pids.every((pid) => !alive(pid)), 5_000)
    expect(runningInGroups(new Set(pids))).toEqual([])
    // Each call ends (an error: its server is gone), none hangs.
    const outcomes = await Promise.all(pending)
    expect(outcomes).toHaveLength(60)
    for (const { client } of sessions) await client.close().catch(() => undefined)
  }, 60_000)
})
