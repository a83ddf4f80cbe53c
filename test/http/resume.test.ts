/**
 * Resumable Streamable HTTP in this process (`Gateway.serveHttpWith`, the
 * live services on a SQLite file, the fake CLIs): a call whose connection
 * drops goes on; a GET with `Last-Event-ID` gets the progress it missed
 * and the answer, from the stored events, once; the CLI runs once. The
 * idle sweep keeps a session whose call runs. Another principal cannot
 * resume a session, nor learn that it exists.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type HttpGateway, noProcessLeft, raw, startHttpGateway, stubTokens, waitUntil } from "./harness.js"
import { answerOf, messageOf, rawSession, resumeAfter, startCall } from "./resumeSse.js"

describe("a dropped connection, resumed with Last-Event-ID", () => {
  let gateway: HttpGateway
  beforeAll(async () => {
    gateway = await startHttpGateway({ config: { progressHeartbeatMs: 300, flushIntervalMs: 50 } })
  })
  afterAll(async () => {
    if (gateway === undefined) return
    await noProcessLeft(gateway)
    await gateway.stop()
  })

  it("gets the progress it missed and the answer; the call ran once, nothing lost", async () => {
    const session = await rawSession(gateway.address)
    const prompt = "[[fake:chunks=6]] [[fake:delay=500]] resume me in process"
    const { exchange, primingId } = await startCall(gateway.address, session.headers, 7, "claude_request", { prompt })
    // The client's network goes away right after the stream opened: the call goes on.
    exchange.drop()
    await exchange.ended
    await new Promise((r) => setTimeout(r, 1_500))
    const resumed = await resumeAfter(gateway.address, session.headers, primingId)
    expect(resumed.status).toBe(200)
    await resumed.ended
    const messages = resumed.events.map(messageOf).filter((m) => m !== undefined)
    const progress = messages.filter((m) => m.method === "notifications/progress")
    expect(progress.length).toBeGreaterThanOrEqual(1)
    expect(progress.every((p) => p.params.progressToken === "p7")).toBe(true)
    const answer = answerOf(resumed.events, 7)
    expect(answer.result.isError ?? false).toBe(false)
    expect(answer.result.content[0].text).toContain("resume me in process")
    // Every event after the resume point, in order, each with an id; the answer last.
    const ids = resumed.events.map((e) => e.id)
    expect(ids.every((id) => id !== undefined)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(messages.at(-1)).toEqual(answer)
    expect(gateway.records().filter((r) => r.prompt?.includes("resume me in process"))).toHaveLength(1)

    // From the store: the same events again, and the stream ends with the answer.
    const again = await resumeAfter(gateway.address, session.headers, primingId)
    await again.ended
    expect(again.events.map((e) => e.id)).toEqual(ids)
    // From the middle: only what follows.
    const fromMiddle = await resumeAfter(gateway.address, session.headers, ids[0]!)
    await fromMiddle.ended
    expect(fromMiddle.events.map((e) => e.id)).toEqual(ids.slice(1))
    expect(gateway.records().filter((r) => r.prompt?.includes("resume me in process"))).toHaveLength(1)
  })

  it("resumed while the call still runs: what was stored, then the rest live", async () => {
    const session = await rawSession(gateway.address)
    const prompt = "[[fake:chunks=8]] [[fake:delay=500]] live after resume"
    const { exchange, primingId } = await startCall(gateway.address, session.headers, 3, "gemini_request", { prompt })
    exchange.drop()
    await new Promise((r) => setTimeout(r, 800))
    const resumed = await resumeAfter(gateway.address, session.headers, primingId)
    expect(resumed.status).toBe(200)
    // Not answered yet when resumed: the answer comes on this stream, which then ends.
    expect(answerOf(resumed.events, 3)).toBeUndefined()
    await resumed.next((e) => messageOf(e)?.id === 3, 20_000)
    await resumed.ended
    expect(answerOf(resumed.events, 3).result.content[0].text).toContain("live after resume")
    expect(gateway.records().filter((r) => r.prompt?.includes("live after resume"))).toHaveLength(1)
  })

  it("an explicit notifications/cancelled still ends the run", async () => {
    const session = await rawSession(gateway.address)
    const before = gateway.records().length
    const { exchange } = await startCall(gateway.address, session.headers, 11, "codex_request", {
      prompt: "[[fake:silent]] cancel me over http"
    })
    await waitUntil(() => gateway.records().slice(before).some((r) => r.cli === "codex"))
    const pid = gateway.records().slice(before).find((r) => r.cli === "codex")!.pid!
    const cancel = await raw(gateway.address, {
      headers: session.headers,
      body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 11, reason: "no" } })
    })
    expect(cancel.status).toBe(202)
    await waitUntil(() => {
      try {
        process.kill(pid, 0)
        return false
      } catch {
        return true
      }
    }, 5_000)
    exchange.drop()
  })
})

describe("the idle sweep", () => {
  it("keeps a session whose call runs after its connection dropped, and closes it once idle after the call", async () => {
    const gateway = await startHttpGateway({ http: { sessionIdleMs: 300 } })
    try {
      const session = await rawSession(gateway.address)
      const { exchange, primingId } = await startCall(gateway.address, session.headers, 5, "grok_request", {
        prompt: "[[fake:sleep=1500]] outlive the idle window"
      })
      exchange.drop()
      // Several idle windows pass while the call runs: the session is kept.
      await new Promise((r) => setTimeout(r, 1_000))
      expect(gateway.logs.some((l) => l.includes("idle for 300 ms: closed"))).toBe(false)
      const resumed = await resumeAfter(gateway.address, session.headers, primingId)
      expect(resumed.status).toBe(200)
      await resumed.ended
      expect(answerOf(resumed.events, 5).result.content[0].text).toContain("outlive the idle window")
      // Idle once the call is over and its stream closed: closed, and its id unknown from then on.
      await waitUntil(() => gateway.logs.some((l) => l.includes("idle for 300 ms: closed")), 5_000)
      const after = await raw(gateway.address, {
        headers: session.headers,
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" })
      })
      expect(after.status).toBe(404)
      await noProcessLeft(gateway)
    } finally {
      await gateway.stop()
    }
  })
})

describe("another principal", () => {
  it("cannot resume a session nor learn of it: 404 exactly as an unknown one", async () => {
    const tokens = stubTokens({ "alice-token": "alice", "bob-token": "bob" })
    const gateway = await startHttpGateway({ tokens })
    try {
      const alice = await rawSession(gateway.address, { Authorization: "Bearer alice-token" })
      const { exchange, primingId } = await startCall(gateway.address, alice.headers, 1, "claude_request", {
        prompt: "[[fake:sleep=500]] alice only"
      })
      exchange.drop()
      const asBob = { ...alice.headers, Authorization: "Bearer bob-token" }
      const unknown = { ...asBob, "Mcp-Session-Id": "00000000-0000-4000-8000-000000000000" }
      const bobResume = await raw(gateway.address, { method: "GET", headers: { ...asBob, "Last-Event-ID": primingId } })
      const unknownResume = await raw(gateway.address, { method: "GET", headers: { ...unknown, "Last-Event-ID": primingId } })
      expect(bobResume.status).toBe(404)
      expect(bobResume.status).toBe(unknownResume.status)
      expect(bobResume.body).toBe(unknownResume.body)
      const listBody = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })
      const bobList = await raw(gateway.address, { headers: asBob, body: listBody })
      const unknownList = await raw(gateway.address, { headers: unknown, body: listBody })
      expect(bobList.status).toBe(404)
      expect(bobList.body).toBe(unknownList.body)
      // Alice's resume is hers.
      const resumed = await resumeAfter(gateway.address, alice.headers, primingId)
      await resumed.ended
      expect(answerOf(resumed.events, 1).result.content[0].text).toContain("alice only")
      await noProcessLeft(gateway)
    } finally {
      await gateway.stop()
    }
  })
})

describe("the SDK's own client", () => {
  it("resumes with its resumption token on a new transport of the same session, and gets the result", async () => {
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js")
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js")
    const { CallToolResultSchema } = await import("@modelcontextprotocol/sdk/types.js")
    const gateway = await startHttpGateway()
    try {
      const first = new StreamableHTTPClientTransport(new URL(gateway.url))
      const client = new Client({ name: "resume-test", version: "1.0.0" })
      await client.connect(first)
      const sessionId = first.sessionId!
      let token: string | undefined
      const pending = client.request(
        { method: "tools/call", params: { name: "claude_request", arguments: { prompt: "[[fake:sleep=1200]] sdk resume" } } },
        CallToolResultSchema,
        { onresumptiontoken: (t) => (token = t) }
      ).catch((e: unknown) => e)
      await waitUntil(() => token !== undefined)
      // The client goes away (no cancel is sent): its pending request fails here; the call goes on there.
      await client.close()
      expect(await pending).toBeInstanceOf(Error)

      const second = new StreamableHTTPClientTransport(new URL(gateway.url), { sessionId })
      const again = new Client({ name: "resume-test", version: "1.0.0" })
      await again.connect(second)
      const result = await again.request(
        { method: "tools/call", params: { name: "claude_request", arguments: { prompt: "[[fake:sleep=1200]] sdk resume" } } },
        CallToolResultSchema,
        { resumptionToken: token! }
      )
      expect(result.content[0]).toMatchObject({ type: "text" })
      expect((result.content[0] as { text: string }).text).toContain("sdk resume")
      expect(gateway.records().filter((r) => r.prompt?.includes("sdk resume"))).toHaveLength(1)
      await again.close()
    } finally {
      await gateway.stop()
    }
  })
})
