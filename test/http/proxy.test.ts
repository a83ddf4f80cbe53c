/**
 * The built binary behind a TLS proxy on the same host, as the README's
 * "For a team" runs it: the gateway on loopback with
 * `LLM_GATEWAY_HTTP_PUBLIC_URL` naming the proxy's https URL, and a bearer
 * token. A proxy that rewrites `Host` to the upstream's loopback address
 * (Caddy: `header_up Host {upstream_hostport}`) is served; one that passes
 * the public `Host` on, as proxies do by default, should be too, since the
 * server knows that name; any other `Host` stays refused (DNS rebinding).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BinaryServer, startBinaryServer } from "./binaryServer.js"
import { initializeBody, raw } from "./harness.js"

const TOKEN = "lcg_proxy-test-token-0123456789abcdefghijklmn"

describe("behind a TLS proxy on the same host", () => {
  let server: BinaryServer
  beforeAll(async () => {
    server = await startBinaryServer({
      tokens: { team: TOKEN },
      env: { LLM_GATEWAY_HTTP_PUBLIC_URL: "https://gw.example.com/mcp" }
    })
  })
  afterAll(async () => {
    await server?.stop()
  })

  const forwarded = (host: string) => ({
    Authorization: `Bearer ${TOKEN}`,
    Host: host,
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "gw.example.com"
  })
  const end = (sessionId: string) =>
    raw({ host: server.host, port: server.port }, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${TOKEN}`, "Mcp-Session-Id": sessionId }
    })

  it("a proxy that sends the upstream's loopback Host is served", async () => {
    const answer = await raw({ host: server.host, port: server.port }, {
      headers: forwarded(`127.0.0.1:${server.port}`),
      body: initializeBody()
    })
    expect(answer.status).toBe(200)
    await end(answer.headers["mcp-session-id"] as string)
  })

  it("a proxy that passes the public URL's Host on is served (the server knows that name)", async () => {
    const answer = await raw({ host: server.host, port: server.port }, { headers: forwarded("gw.example.com"), body: initializeBody() })
    expect(answer.status, answer.body).toBe(200)
    await end(answer.headers["mcp-session-id"] as string)
  })

  it("any other Host is refused (403), token or not", async () => {
    const answer = await raw({ host: server.host, port: server.port }, { headers: forwarded("attacker.test"), body: initializeBody() })
    expect(answer.status).toBe(403)
  })
})
