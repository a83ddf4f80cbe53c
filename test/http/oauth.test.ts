/**
 * MCP's authorization, the resource-server side, over real HTTP on
 * loopback: the gateway with an OAuth issuer (a local one, see
 * `oauthIssuer.ts`) serves its Protected Resource Metadata (RFC 9728) on
 * both paths, challenges with `resource_metadata` and `scope`, answers a
 * refused token 401, a missing scope 403 and an issuer it cannot reach
 * 503, takes the issuer's JWTs beside the tokens file's bearer tokens, and
 * runs a JWT's calls as `oauth:<iss>#<sub>` (an SDK client end to end).
 * Without an issuer, the metadata answers 404.
 */
import * as Layer from "effect/Layer"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Jwt from "../../src/http/jwt.js"
import type { OAuthSettings } from "../../src/http/oauth.js"
import { openDatabase } from "../reliability/helpers/sqlite.js"
import { connect, type HttpGateway, raw, startHttpGateway, stubTokens, tryStartHttpGateway } from "./harness.js"
import { closedPort, type LocalIssuer, startIssuer } from "./oauthIssuer.js"

interface Result {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Record<string, any>
}

const RESOURCE = "https://gateway.test/mcp"
const METADATA_URL = "https://gateway.test/.well-known/oauth-protected-resource/mcp"

/** The harness's token store with the OAuth verifier of `settings` over it. */
const withOAuth = (settings: OAuthSettings, tokens: Record<string, string> = {}) => {
  const stub = stubTokens(tokens)
  return { tokens: stub.tokens, layer: Jwt.layer(settings).pipe(Layer.provideMerge(stub.layer)) }
}

const rpc = (id: number, method: string, params: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params })

const initialize = (id = 1) =>
  rpc(id, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1.0.0" } })

describe("OAuth on the HTTP server", () => {
  let issuer: LocalIssuer
  let gateway: HttpGateway
  beforeAll(async () => {
    issuer = await startIssuer({ audience: RESOURCE })
    gateway = await startHttpGateway({
      tokens: withOAuth(
        { issuer: issuer.url, resource: RESOURCE, audience: [RESOURCE], scopes: ["mcp:tools"], jwksCooldownMs: 200 },
        { "file-token": "carol" }
      )
    })
  })
  afterAll(async () => {
    await gateway?.stop()
    await issuer?.close()
  })

  it("serves the Protected Resource Metadata on the well-known path and its /mcp form", async () => {
    for (const path of ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]) {
      const answer = await raw(gateway.address, { method: "GET", path, headers: { Host: "evil.example" } })
      expect(answer.status, path).toBe(200)
      expect(answer.headers["access-control-allow-origin"]).toBe("*")
      expect(JSON.parse(answer.body)).toEqual({
        resource: RESOURCE,
        authorization_servers: [issuer.url],
        bearer_methods_supported: ["header"],
        scopes_supported: ["mcp:tools"],
        resource_name: "llm-cli-gateway"
      })
    }
    const posted = await raw(gateway.address, { path: "/.well-known/oauth-protected-resource", body: "{}" })
    expect(posted.status).toBe(405)
    const other = await raw(gateway.address, { method: "GET", path: "/.well-known/oauth-protected-resource/elsewhere" })
    expect(other.status).toBe(404)
  })

  it("challenges a request without a token with resource_metadata and the required scope", async () => {
    const answer = await raw(gateway.address, { body: initialize() })
    expect(answer.status).toBe(401)
    expect(answer.headers["www-authenticate"]).toBe(
      `Bearer realm="llm-cli-gateway", resource_metadata="${METADATA_URL}", scope="mcp:tools"`
    )
    expect(JSON.parse(answer.body).error.code).toBe(-32001)
  })

  it("refuses a bad JWT with 401 invalid_token and the reason, and a token without the scope with 403", async () => {
    const now = Math.floor(Date.now() / 1000)
    const cases: ReadonlyArray<readonly [string, Promise<string>, RegExp]> = [
      ["expired", issuer.sign({ scope: "mcp:tools", exp: now - 600 }), /expired/],
      ["wrong audience", issuer.sign({ scope: "mcp:tools", aud: "https://other.test/mcp" }), /another audience/],
      ["wrong issuer", issuer.sign({ scope: "mcp:tools", iss: "https://evil.example" }), /another issuer/],
      ["not a token of the file", Promise.resolve("not-a-known-token"), /not valid/]
    ]
    for (const [name, token, reason] of cases) {
      const answer = await raw(gateway.address, { headers: { Authorization: `Bearer ${await token}` }, body: initialize() })
      expect(answer.status, name).toBe(401)
      const challenge = String(answer.headers["www-authenticate"])
      expect(challenge, name).toContain(`resource_metadata="${METADATA_URL}"`)
      expect(challenge, name).toContain(`error="invalid_token"`)
      expect(JSON.parse(answer.body).error.message, name).toMatch(reason)
    }
    const scopeless = await issuer.sign({ scope: "other" })
    const answer = await raw(gateway.address, { headers: { Authorization: `Bearer ${scopeless}` }, body: initialize() })
    expect(answer.status).toBe(403)
    expect(answer.headers["www-authenticate"]).toBe(
      `Bearer realm="llm-cli-gateway", resource_metadata="${METADATA_URL}", scope="mcp:tools", ` +
        `error="insufficient_scope", error_description="the access token lacks the scope mcp:tools"`
    )
    expect(JSON.parse(answer.body).error.message).toMatch(/^Forbidden: /)
  })

  it("an SDK client with a JWT runs its calls as oauth:<iss>#<sub>, beside a bearer token of the file", async () => {
    const alice = await connect(gateway.url, { token: await issuer.sign({ sub: "alice", scope: "mcp:tools" }) })
    const bob = await connect(gateway.url, { token: await issuer.sign({ sub: "bob", scope: "mcp:tools" }) })
    const carol = await connect(gateway.url, { token: "file-token" })
    try {
      const answer = (await alice.client.callTool({ name: "claude_request", arguments: { prompt: "hello as alice" } })) as Result
      expect(answer.isError ?? false).toBe(false)
      expect(answer.content[0]?.text).toContain("hello as alice")
      const jobId = answer.structuredContent!.jobId as string
      const db = openDatabase(join(gateway.dir, "gateway.db"), { readonly: true })
      try {
        const row = db.prepare("SELECT principal FROM jobs WHERE id = ?").get(jobId) as { principal: string } | undefined
        expect(row?.principal).toBe(`oauth:${issuer.url}#alice`)
      } finally {
        db.close()
      }
      // Alice sees her job; Bob (another subject) and Carol (a token of the file) do not.
      const own = (await alice.client.callTool({ name: "llm_job_status", arguments: { jobId } })) as Result
      expect(own.structuredContent?.status).toBe("completed")
      for (const other of [bob, carol]) {
        const seen = (await other.client.callTool({ name: "llm_job_status", arguments: { jobId } })) as Result
        expect(seen.isError).toBe(true)
      }
      // A session answers only its principal: Bob's token on Alice's session is not found.
      const crossed = await raw(gateway.address, {
        headers: {
          Authorization: `Bearer ${await issuer.sign({ sub: "bob", scope: "mcp:tools" })}`,
          "Mcp-Session-Id": alice.transport.sessionId!,
          "Mcp-Protocol-Version": "2025-11-25"
        },
        body: rpc(7, "tools/list")
      })
      expect(crossed.status).toBe(404)
    } finally {
      for (const c of [alice, bob, carol]) {
        await c.transport.terminateSession().catch(() => undefined)
        await c.client.close()
      }
    }
  })

  it("a token signed by a key the issuer rotated in is accepted: the keys are fetched again for its kid", async () => {
    const old = issuer.keys
    const rotated = await issuer.newKey("rotated-key")
    // Past the cooldown of this server's verifier (200 ms) since its last fetch of the keys.
    await new Promise((r) => setTimeout(r, 250))
    issuer.keys = [rotated]
    try {
      const before = issuer.fetches.jwks
      const token = await issuer.sign({ sub: "dave", scope: "mcp:tools" }, { key: rotated })
      const { client, transport } = await connect(gateway.url, { token })
      try {
        expect((await client.listTools()).tools.length).toBeGreaterThan(0)
      } finally {
        await transport.terminateSession()
        await client.close()
      }
      expect(issuer.fetches.jwks - before).toBe(1)
    } finally {
      issuer.keys = old
    }
  })
})

describe("OAuth with an issuer that cannot be reached", () => {
  it("answers 503 with Retry-After (the token is not known to be bad), and says so in the log", async () => {
    const issuer = await startIssuer({ audience: RESOURCE })
    const port = await closedPort()
    const gateway = await startHttpGateway({
      tokens: withOAuth({
        issuer: issuer.url,
        resource: RESOURCE,
        audience: [RESOURCE],
        scopes: [],
        jwksUrl: `http://127.0.0.1:${port}/jwks`
      })
    })
    try {
      const token = await issuer.sign({})
      const answer = await raw(gateway.address, { headers: { Authorization: `Bearer ${token}` }, body: initialize() })
      expect(answer.status).toBe(503)
      expect(answer.headers["retry-after"]).toBe("5")
      expect(answer.headers["www-authenticate"]).toBe(`Bearer realm="llm-cli-gateway", resource_metadata="${METADATA_URL}"`)
      expect(JSON.parse(answer.body).error.message).toMatch(/^Service Unavailable: .*could not be reached/)
      expect(gateway.logs.some((l) => /OAuth: the keys of the issuer .* cannot be fetched/.test(l))).toBe(true)
      expect(gateway.logs.some((l) => l.includes(`OAuth: access tokens of the issuer ${issuer.url} accepted`))).toBe(true)
    } finally {
      await gateway.stop()
      await issuer.close()
    }
  })
})

describe("OAuth: the server's start", () => {
  it("with an issuer, listens beyond loopback with no bearer token in the file", async () => {
    const issuer = await startIssuer({ audience: RESOURCE })
    try {
      const started = await tryStartHttpGateway({
        http: { host: "0.0.0.0" },
        tokens: withOAuth({ issuer: issuer.url, resource: RESOURCE, audience: [RESOURCE], scopes: [] })
      })
      expect(started._tag).toBe("Started")
      if (started._tag === "Started") {
        try {
          const answer = await raw({ host: "127.0.0.1", port: started.gateway.address.port }, { body: initialize() })
          expect(answer.status).toBe(401)
        } finally {
          await started.gateway.stop()
        }
      }
    } finally {
      await issuer.close()
    }
  })

  it("without an issuer, the metadata paths answer 404 and the challenge has no resource_metadata", async () => {
    const gateway = await startHttpGateway({ tokens: stubTokens({ t0k3n: "dana" }) })
    try {
      for (const path of ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]) {
        const answer = await raw(gateway.address, { method: "GET", path })
        expect(answer.status, path).toBe(404)
      }
      const refused = await raw(gateway.address, { body: initialize() })
      expect(refused.status).toBe(401)
      expect(refused.headers["www-authenticate"]).toBe(`Bearer realm="llm-cli-gateway"`)
      // A JWT-shaped token goes to the tokens file there, which does not know it.
      const jwtShaped = await raw(gateway.address, { headers: { Authorization: "Bearer a.b.c" }, body: initialize() })
      expect(jwtShaped.status).toBe(401)
    } finally {
      await gateway.stop()
    }
  })
})
