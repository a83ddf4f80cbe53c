/**
 * What the Streamable HTTP server refuses, and how: bearer tokens (401 and
 * its challenge; another principal's session answers as an unknown one),
 * Origin and Host (403), oversized bodies (413), requests outside a session
 * (400) or of an unknown one (404), one session over the limit (503), idle
 * sessions closed, and no start beyond loopback without tokens.
 */
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  alive,
  connect,
  type HttpGateway,
  initializeBody,
  noProcessLeft,
  raw,
  startHttpGateway,
  stubTokens,
  tryStartHttpGateway,
  waitUntil
} from "./harness.js"

const listBody = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })

describe("bearer tokens", () => {
  const tokens = stubTokens({ "alice-token": "alice", "bob-token": "bob" })
  let gateway: HttpGateway
  beforeAll(async () => {
    gateway = await startHttpGateway({ tokens })
  })
  afterAll(() => gateway?.stop())

  it("a request without a token answers 401 with the challenge; a wrong token adds error=\"invalid_token\"", async () => {
    const missing = await raw(gateway.address, { body: initializeBody() })
    expect(missing.status).toBe(401)
    expect(missing.headers["www-authenticate"]).toBe('Bearer realm="llm-cli-gateway"')
    const wrong = await raw(gateway.address, { headers: { Authorization: "Bearer nope" }, body: initializeBody() })
    expect(wrong.status).toBe(401)
    expect(wrong.headers["www-authenticate"]).toBe('Bearer realm="llm-cli-gateway", error="invalid_token"')
    const basic = await raw(gateway.address, { headers: { Authorization: "Basic YWxpY2U6eA==" }, body: initializeBody() })
    expect(basic.status).toBe(401)
    expect(basic.headers["www-authenticate"]).toBe('Bearer realm="llm-cli-gateway"')
    await expect(connect(gateway.url)).rejects.toBeInstanceOf(Error)
    await expect(connect(gateway.url, { token: "alice-token-but-longer" })).rejects.toBeInstanceOf(Error)
  })

  it("with a known token the session works; another principal's token on it answers 404, as an unknown id", async () => {
    const { client, transport } = await connect(gateway.url, { token: "alice-token" })
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(0)
      const sessionId = transport.sessionId!
      const asBob = await raw(gateway.address, {
        headers: { Authorization: "Bearer bob-token", "Mcp-Session-Id": sessionId },
        body: listBody
      })
      expect(asBob.status).toBe(404)
      const bobDeletes = await raw(gateway.address, {
        method: "DELETE",
        headers: { Authorization: "Bearer bob-token", "Mcp-Session-Id": sessionId }
      })
      expect(bobDeletes.status).toBe(404)
      const noToken = await raw(gateway.address, { headers: { "Mcp-Session-Id": sessionId }, body: listBody })
      expect(noToken.status).toBe(401)
      // Still alice's, and still open.
      expect((await client.listTools()).tools.length).toBeGreaterThan(0)
    } finally {
      await transport.terminateSession()
      await client.close()
    }
  })

  it("a token removed while the server runs is refused from then on, even the last one", async () => {
    const store = stubTokens({ "carol-token": "carol" })
    const server = await startHttpGateway({ tokens: store })
    try {
      const { client } = await connect(server.url, { token: "carol-token" })
      store.tokens.clear()
      await expect(client.listTools()).rejects.toBeInstanceOf(Error)
      const again = await raw(server.address, { headers: { Authorization: "Bearer carol-token" }, body: initializeBody() })
      expect(again.status).toBe(401)
      expect(again.headers["www-authenticate"]).toContain('error="invalid_token"')
      await client.close()
    } finally {
      await server.stop()
    }
  })
})

describe("the loopback server's guards", () => {
  let gateway: HttpGateway
  beforeAll(async () => {
    gateway = await startHttpGateway({ http: { maxBodyBytes: 4_096 } })
  })
  afterAll(() => gateway?.stop())

  it("a present Origin that is not allowed answers 403; a loopback origin, or none, is served", async () => {
    const evil = await raw(gateway.address, { headers: { Origin: "https://evil.example" }, body: initializeBody() })
    expect(evil.status).toBe(403)
    expect(JSON.parse(evil.body).error.message).toContain("Origin")
    const nullOrigin = await raw(gateway.address, { headers: { Origin: "null" }, body: initializeBody() })
    expect(nullOrigin.status).toBe(403)
    const local = await raw(gateway.address, { headers: { Origin: "http://localhost:5173" }, body: initializeBody() })
    expect(local.status).toBe(200)
    const sessionId = local.headers["mcp-session-id"] as string
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/)
    const evilOnSession = await raw(gateway.address, {
      method: "DELETE",
      headers: { Origin: "http://attacker.test", "Mcp-Session-Id": sessionId }
    })
    expect(evilOnSession.status).toBe(403)
    expect((await raw(gateway.address, { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } })).status).toBe(200)
    const ipv6 = await raw(gateway.address, { headers: { Origin: "https://[::1]:8443" }, body: initializeBody() })
    expect(ipv6.status).toBe(200)
    await raw(gateway.address, { method: "DELETE", headers: { "Mcp-Session-Id": ipv6.headers["mcp-session-id"] as string } })
  })

  it("a Host that is not a loopback name answers 403 (a rebound DNS name)", async () => {
    const rebound = await raw(gateway.address, { headers: { Host: `attacker.test:${gateway.address.port}` }, body: initializeBody() })
    expect(rebound.status).toBe(403)
    expect(JSON.parse(rebound.body).error.message).toContain("Host")
    const named = await raw(gateway.address, { headers: { Host: `localhost:${gateway.address.port}` }, body: initializeBody() })
    expect(named.status).toBe(200)
    await raw(gateway.address, { method: "DELETE", headers: { "Mcp-Session-Id": named.headers["mcp-session-id"] as string } })
  })

  it("a body over the bound answers 413, declared or streamed", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { pad: "x".repeat(5_000) } })
    const declared = await raw(gateway.address, { body: big })
    expect(declared.status).toBe(413)
    expect(declared.headers.connection).toBe("close")
    expect(JSON.parse(declared.body).error.message).toContain("4096")
    const chunked = await raw(gateway.address, { body: [big.slice(0, 3_000), big.slice(3_000)] })
    expect(chunked.status).toBe(413)
    const fits = await raw(gateway.address, { body: initializeBody() })
    expect(fits.status).toBe(200)
    await raw(gateway.address, { method: "DELETE", headers: { "Mcp-Session-Id": fits.headers["mcp-session-id"] as string } })
  })

  it("outside a session: only initialize is served (400); an unknown session answers 404; bad JSON 400", async () => {
    const list = await raw(gateway.address, { body: listBody })
    expect(list.status).toBe(400)
    expect((await raw(gateway.address, { method: "GET", headers: { Accept: "text/event-stream" } })).status).toBe(400)
    const unknown = await raw(gateway.address, {
      headers: { "Mcp-Session-Id": "5f0c3a52-0000-4000-8000-000000000000" },
      body: listBody
    })
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body).error.code).toBe(-32001)
    const garbled = await raw(gateway.address, { body: "{not json" })
    expect(garbled.status).toBe(400)
    expect(JSON.parse(garbled.body).error.code).toBe(-32700)
    expect((await raw(gateway.address, { method: "PUT", body: listBody })).status).toBe(405)
    expect((await raw(gateway.address, { path: "/other", body: listBody })).status).toBe(404)
  })

  it("GET opens the session's stream of server messages", async () => {
    const opened = await raw(gateway.address, { body: initializeBody() })
    const sessionId = opened.headers["mcp-session-id"] as string
    const { request } = await import("node:http")
    const status = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const req = request({
        host: gateway.address.host,
        port: gateway.address.port,
        path: "/mcp",
        method: "GET",
        headers: { Accept: "text/event-stream", "Mcp-Session-Id": sessionId }
      }, (res) => {
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] })
        res.destroy()
      })
      req.on("error", reject)
      req.end()
    })
    expect(status).toEqual({ status: 200, type: "text/event-stream" })
    expect((await raw(gateway.address, { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } })).status).toBe(200)
  })
})

describe("session limits", () => {
  it("one session over the limit answers 503 with Retry-After; a session ended makes room", async () => {
    const gateway = await startHttpGateway({ http: { maxSessions: 2 } })
    try {
      const a = await connect(gateway.url)
      const b = await connect(gateway.url)
      const refused = await raw(gateway.address, { body: initializeBody(7) })
      expect(refused.status).toBe(503)
      expect(refused.headers["retry-after"]).toBe("5")
      const error = JSON.parse(refused.body)
      expect(error).toMatchObject({ id: 7, error: { code: -32000, data: { _tag: "TooManySessions", limit: 2 } } })
      const viaClient = await connect(gateway.url).catch((e: unknown) => e)
      expect(viaClient).toBeInstanceOf(StreamableHTTPError)
      expect((viaClient as StreamableHTTPError).code).toBe(503)
      await a.transport.terminateSession()
      const c = await connect(gateway.url)
      expect((await c.client.listTools()).tools.length).toBeGreaterThan(0)
      for (const s of [a, b, c]) await s.client.close()
    } finally {
      await gateway.stop()
    }
  })

  it("an idle session is closed and answers 404 after; its calls end with it", async () => {
    const gateway = await startHttpGateway({ http: { sessionIdleMs: 300 } })
    try {
      // A session opened and left: no exchange of it open (no stream of server messages either).
      const opened = await raw(gateway.address, { body: initializeBody() })
      const sessionId = opened.headers["mcp-session-id"] as string
      await new Promise((r) => setTimeout(r, 200))
      // An exchange within the window keeps it.
      expect((await raw(gateway.address, { headers: { "Mcp-Session-Id": sessionId }, body: listBody })).status).toBe(200)
      await waitUntil(() => gateway.logs.some((l) => l.includes("idle for 300 ms: closed")), 3_000)
      const after = await raw(gateway.address, { headers: { "Mcp-Session-Id": sessionId }, body: listBody })
      expect(after.status).toBe(404)

      // A connected client holds its stream of server messages open: its session is not idle, however long.
      const connected = await connect(gateway.url)
      await new Promise((r) => setTimeout(r, 700))
      expect((await connected.client.listTools()).tools.length).toBeGreaterThan(0)
      await connected.transport.terminateSession()
      await connected.client.close()

      // A client gone (its connection dropped) in the middle of a call: not a cancel. The call goes on and its
      // session is kept past the idle window (the client may come back for the answer); DELETE ends both.
      const gone = await connect(gateway.url)
      const goneId = gone.transport.sessionId!
      const before = gateway.records().length
      const pending = gone.client.callTool({ name: "claude_request", arguments: { prompt: "[[fake:silent]] abandoned" } })
        .catch((e: unknown) => e)
      await waitUntil(() => gateway.records().slice(before).some((r) => r.cli === "claude"))
      const pid = gateway.records().slice(before).find((r) => r.cli === "claude")!.pid!
      // The call's stream stays open while the client is connected: the session is not idle.
      await new Promise((r) => setTimeout(r, 600))
      expect(alive(pid)).toBe(true)
      await gone.client.close()
      await pending
      await new Promise((r) => setTimeout(r, 900))
      expect(alive(pid)).toBe(true)
      const kept = await raw(gateway.address, { headers: { "Mcp-Session-Id": goneId }, body: listBody })
      expect(kept.status).toBe(200)
      expect((await raw(gateway.address, { method: "DELETE", headers: { "Mcp-Session-Id": goneId } })).status).toBe(200)
      await waitUntil(() => !alive(pid), 5_000)
      await noProcessLeft(gateway)
    } finally {
      await gateway.stop()
    }
  })
})

describe("where it listens", () => {
  it("refuses to listen beyond loopback without tokens, saying how to add one", async () => {
    const started = await tryStartHttpGateway({ http: { host: "0.0.0.0" } })
    expect(started._tag).toBe("Failed")
    if (started._tag !== "Failed") return
    expect(started.error._tag).toBe("HttpAuthRequired")
    expect(started.error.message).toContain("token add")
  })

  it("beyond loopback with a token it serves, and still requires the token", async () => {
    const started = await tryStartHttpGateway({ http: { host: "0.0.0.0" }, tokens: stubTokens({ t0k3n: "dana" }) })
    expect(started._tag).toBe("Started")
    if (started._tag !== "Started") return
    const gateway = started.gateway
    try {
      const address = { host: "127.0.0.1", port: gateway.address.port }
      expect((await raw(address, { body: initializeBody() })).status).toBe(401)
      // Any Host is accepted beyond loopback (the token is what guards it).
      const ok = await raw(address, { headers: { Authorization: "Bearer t0k3n", Host: "gateway.lan" }, body: initializeBody() })
      expect(ok.status).toBe(200)
      await raw(address, {
        method: "DELETE",
        headers: { Authorization: "Bearer t0k3n", "Mcp-Session-Id": ok.headers["mcp-session-id"] as string }
      })
    } finally {
      await gateway.stop()
    }
  })

  it("a port in use fails with HttpListenFailed", async () => {
    const first = await startHttpGateway()
    try {
      const second = await tryStartHttpGateway({ http: { port: first.address.port } })
      expect(second._tag).toBe("Failed")
      if (second._tag === "Failed") expect(second.error).toMatchObject({ _tag: "HttpListenFailed", code: "EADDRINUSE" })
    } finally {
      await first.stop()
    }
  })
})
