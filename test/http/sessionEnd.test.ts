/**
 * What ending an HTTP session (DELETE) does to the calls it has, against
 * the built binary: a call queued for a CLI slot (the job limit reached)
 * never starts its CLI, and the slot goes on to serve other sessions; a
 * call in flight is answered, so that its client is not left waiting.
 */
import { afterAll, describe, expect, it } from "vitest"
import { type BinaryServer, runningInGroups, startBinaryServer } from "./binaryServer.js"
import { alive, connect, initializeBody, raw, waitUntil } from "./harness.js"

const servers: Array<BinaryServer> = []
afterAll(async () => {
  for (const server of servers) await server.stop()
})

const start = async (env: Record<string, string>): Promise<BinaryServer> => {
  const server = await startBinaryServer({ env })
  servers.push(server)
  return server
}

describe("a session ended by DELETE", () => {
  it("its queued calls never start a CLI; the slot serves another session after", async () => {
    const started = await start({ LLM_GATEWAY_MAX_CONCURRENT_JOBS: "1", LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: "1" })
    const holder = await connect(started.url)
    const held = holder.client.callTool({ name: "claude_request", arguments: { prompt: "[[fake:silent]] holds the only slot" } })
      .catch((e: unknown) => e)
    await waitUntil(() => started.records().some((r) => r.prompt?.includes("holds the only slot")), 15_000)
    const holderPid = started.records().find((r) => r.prompt?.includes("holds the only slot"))!.pid!

    const queued = await connect(started.url)
    const waiting = [0, 1, 2].map((i) =>
      queued.client.callTool({ name: "claude_request", arguments: { prompt: `queued ${i} behind the slot` } }).catch((e: unknown) => e)
    )
    // The calls reach the server and wait for the slot.
    await waitUntil(() => false, 500).catch(() => undefined)
    const health = await holder.client.callTool({ name: "llm_process_health", arguments: {} })
    expect((health.structuredContent as any).queued).toBe(3)
    await queued.transport.terminateSession()

    // The slot frees: the queued calls of the ended session must not take it.
    await holder.transport.terminateSession()
    await waitUntil(() => !alive(holderPid), 5_000)
    const other = await connect(started.url)
    const answer = await other.client.callTool({ name: "claude_request", arguments: { prompt: "served after" } })
    expect((answer.structuredContent as any).text).toContain("served after")
    await waitUntil(() => false, 500).catch(() => undefined)
    expect(started.records().filter((r) => r.prompt?.includes("behind the slot")).map((r) => r.prompt)).toEqual([])
    const after = await other.client.callTool({ name: "llm_process_health", arguments: {} })
    expect((after.structuredContent as any).queued).toBe(0)
    expect((after.structuredContent as any).running).toEqual([])
    await other.transport.terminateSession()
    // Closing the clients ends what they still wait for.
    for (const c of [queued, holder, other]) await c.client.close()
    await Promise.all([held, ...waiting])
    const pids = started.records().flatMap((r) => r.pid !== undefined ? [r.pid] : [])
    expect(await started.stop()).toBe(0)
    expect(runningInGroups(new Set(pids))).toEqual([])
  }, 60_000)

  it("each call it had in flight, running or queued, is answered on its stream (a JSON-RPC error), not left to the client's timeout", async () => {
    const started = await start({ LLM_GATEWAY_MAX_CONCURRENT_JOBS: "1", LLM_GATEWAY_MAX_CONCURRENT_PER_CLI: "1" })
    const address = { host: started.host, port: started.port }
    const opened = await raw(address, { body: initializeBody() })
    const headers = { "Mcp-Session-Id": opened.headers["mcp-session-id"] as string, "Mcp-Protocol-Version": "2025-11-25" }
    await raw(address, { headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })
    const call = (id: number, prompt: string) =>
      raw(address, {
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "claude_request", arguments: { prompt } } })
      })
    const running = call(5, "[[fake:silent]] running when the session ends")
    const queued = call(6, "queued when the session ends")
    await waitUntil(() => started.records().some((r) => r.prompt?.includes("running when the session ends")), 15_000)
    expect((await raw(address, { method: "DELETE", headers })).status).toBe(200)
    const streams = await Promise.all([running, queued])
    /** The JSON-RPC messages of an SSE body. */
    const messages = (body: string): ReadonlyArray<any> =>
      body.split("\n").filter((l) => l.startsWith("data: ") && l.length > 6).map((l) => JSON.parse(l.slice(6)))
    for (const [i, stream] of streams.entries()) {
      const id = 5 + i
      const answer = messages(stream.body).find((m) => m.id === id)
      expect(answer, `call ${id}'s stream: ${JSON.stringify(stream.body)}`).toBeDefined()
      expect(answer.error.code).toBeTypeOf("number")
    }
    expect(started.records().some((r) => r.prompt?.includes("queued when the session ends"))).toBe(false)
  }, 60_000)
})
