/**
 * The OAuth verifier (`http/jwt`) against a local issuer on 127.0.0.1: a
 * valid token and its identity, each way a token is refused, the keys
 * discovered from the issuer's metadata, rotated keys fetched again (once
 * per cooldown), and an issuer that cannot be reached.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { SignJWT } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { principalId } from "../../src/http/auth.js"
import * as Jwt from "../../src/http/jwt.js"
import { type OAuthIdentity, type OAuthRefusal, type OAuthSettings, principalOf } from "../../src/http/oauth.js"
import { closedPort, type LocalIssuer, makeKey, startIssuer, unsignedToken } from "./oauthIssuer.js"

const RESOURCE = "https://gateway.test/mcp"

const verifier = (settings: Partial<OAuthSettings> & { readonly issuer: string }) =>
  Effect.runPromise(Jwt.make({ resource: RESOURCE, audience: [RESOURCE], scopes: [], ...settings }))

const check = async (
  v: { readonly verify: (token: string) => Effect.Effect<OAuthIdentity, OAuthRefusal> },
  token: string
): Promise<Either.Either<OAuthIdentity, OAuthRefusal>> => Effect.runPromise(Effect.either(v.verify(token)))

const refusal = async (
  v: { readonly verify: (token: string) => Effect.Effect<OAuthIdentity, OAuthRefusal> },
  token: string
): Promise<OAuthRefusal> => {
  const outcome = await check(v, token)
  if (Either.isRight(outcome)) throw new Error(`accepted: ${JSON.stringify(outcome.right)}`)
  return outcome.left
}

describe("the JWT verifier", () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await startIssuer({ audience: RESOURCE })
  })
  afterAll(async () => {
    await issuer?.close()
  })

  it("accepts a token of the issuer, found by its metadata, and says who: oauth:<iss>#<sub>", async () => {
    const v = await verifier({ issuer: issuer.url })
    const before = { ...issuer.fetches }
    const token = await issuer.sign({ sub: "alice", scope: "mcp:tools extra", client_id: "cli-1" })
    const identity = Either.getOrThrow(await check(v, token))
    expect(identity).toMatchObject({ issuer: issuer.url, subject: "alice", scopes: ["mcp:tools", "extra"], clientId: "cli-1" })
    expect(principalOf(identity)).toBe(`oauth:${issuer.url}#alice`)
    expect(principalId({ principal: { name: principalOf(identity) }, authenticated: true, oauth: identity }))
      .toBe(`oauth:${issuer.url}#alice`)
    // The metadata and the keys were fetched once, and the keys are kept for the next token.
    expect(issuer.fetches.metadata - before.metadata).toBe(1)
    expect(issuer.fetches.jwks - before.jwks).toBe(1)
    expect(Either.isRight(await check(v, await issuer.sign({ sub: "bob" })))).toBe(true)
    expect(issuer.fetches.jwks - before.jwks).toBe(1)
  })

  it("finds the keys by OpenID Connect's metadata when there is no RFC 8414 one", async () => {
    issuer.metadata = "openid"
    try {
      const v = await verifier({ issuer: issuer.url })
      expect(Either.isRight(await check(v, await issuer.sign({})))).toBe(true)
    } finally {
      issuer.metadata = "oauth"
    }
  })

  it("refuses metadata that names another issuer, and an issuer with no metadata, as the issuer unavailable", async () => {
    for (const mode of ["other-issuer", "none"] as const) {
      issuer.metadata = mode
      try {
        const v = await verifier({ issuer: issuer.url })
        const refused = await refusal(v, await issuer.sign({}))
        expect(refused._tag, mode).toBe("OAuthIssuerUnavailable")
        if (refused._tag === "OAuthIssuerUnavailable") {
          expect(refused.reason).toMatch(mode === "none" ? /no metadata found/ : /not the issuer/)
        }
      } finally {
        issuer.metadata = "oauth"
      }
    }
  })

  it("refuses each bad token with a reason", async () => {
    const v = await verifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl })
    const now = Math.floor(Date.now() / 1000)
    const key = issuer.keys[0]!
    const stranger = await makeKey(key.kid)
    const claims = { iss: issuer.url, aud: RESOURCE, sub: "mallory", exp: now + 300 }
    const cases: ReadonlyArray<readonly [string, Promise<string>, RegExp]> = [
      ["wrong audience", issuer.sign({ aud: "https://other.test/mcp" }), /another audience/],
      ["wrong issuer", issuer.sign({ iss: "https://evil.example" }), /another issuer/],
      ["expired", issuer.sign({ exp: now - 120 }), /expired/],
      ["not yet valid", issuer.sign({ nbf: now + 120 }), /not valid yet/],
      ["no exp", issuer.sign({ exp: undefined }), /exp/],
      ["no sub", issuer.sign({ sub: undefined }), /sub/],
      ["bad signature (another key, the issuer's kid)", issuer.sign({}, { key: stranger }), /signature does not verify/],
      ["alg none", Promise.resolve(unsignedToken(claims)), /algorithm is not allowed/],
      [
        "HS256 signed with the issuer's public key",
        new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: key.kid }).sign(new TextEncoder().encode(key.publicPem)),
        /algorithm is not allowed/
      ],
      [
        "HS256 signed with the public JWK's modulus",
        new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: key.kid }).sign(Buffer.from(key.publicJwk.n!, "base64url")),
        /algorithm is not allowed/
      ]
    ]
    for (const [name, token, reason] of cases) {
      const refused = await refusal(v, await token)
      expect(refused._tag, name).toBe("OAuthTokenInvalid")
      if (refused._tag === "OAuthTokenInvalid") expect(refused.reason, name).toMatch(reason)
    }
  })

  it("allows a small clock skew on exp and nbf, and no more", async () => {
    const v = await verifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl, clockSkewMs: 30_000 })
    const now = Math.floor(Date.now() / 1000)
    expect(Either.isRight(await check(v, await issuer.sign({ exp: now - 10 })))).toBe(true)
    expect(Either.isRight(await check(v, await issuer.sign({ nbf: now + 10 })))).toBe(true)
    expect((await refusal(v, await issuer.sign({ exp: now - 40 })))._tag).toBe("OAuthTokenInvalid")
    expect((await refusal(v, await issuer.sign({ nbf: now + 40 })))._tag).toBe("OAuthTokenInvalid")
  })

  it("refuses a token without a required scope (scope or scp) as insufficient scope", async () => {
    const v = await verifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl, scopes: ["mcp:tools", "mcp:jobs"] })
    const refused = await refusal(v, await issuer.sign({ scope: "mcp:tools" }))
    expect(refused).toMatchObject({ _tag: "OAuthInsufficientScope", required: ["mcp:tools", "mcp:jobs"], granted: ["mcp:tools"] })
    expect(Either.isRight(await check(v, await issuer.sign({ scope: "mcp:jobs mcp:tools" })))).toBe(true)
    expect(Either.isRight(await check(v, await issuer.sign({ scp: ["mcp:tools", "mcp:jobs"] })))).toBe(true)
  })

  it("only accepts the algorithms allowed", async () => {
    const es = await makeKey("es-key", "ES256")
    issuer.keys = [...issuer.keys, es]
    try {
      const only = await verifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl, algorithms: ["RS256"] })
      const refused = await refusal(only, await issuer.sign({}, { key: es }))
      expect(refused).toMatchObject({ _tag: "OAuthTokenInvalid", reason: expect.stringMatching(/algorithm is not allowed/) })
      const any = await verifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl })
      expect(Either.isRight(await check(any, await issuer.sign({}, { key: es })))).toBe(true)
    } finally {
      issuer.keys = issuer.keys.filter((k) => k !== es)
    }
  })

  it("fetches the keys again for an unknown kid after a rotation, at most once per cooldown", async () => {
    const madeUp = await makeKey("made-up")
    const rotated = await makeKey("key-2")
    const v = await verifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl, jwksCooldownMs: 1_000 })
    expect(Either.isRight(await check(v, await issuer.sign({})))).toBe(true)
    const old = issuer.keys
    issuer.keys = [rotated]
    try {
      await new Promise((r) => setTimeout(r, 1_050))
      const before = issuer.fetches.jwks
      expect(Either.getOrThrow(await check(v, await issuer.sign({ sub: "rotated" }, { key: rotated }))).subject)
        .toBe("rotated")
      expect(issuer.fetches.jwks - before).toBe(1)
      // A made-up kid right after: no fetch within the cooldown, refused.
      const refused = await refusal(v, await issuer.sign({}, { key: madeUp }))
      expect(refused).toMatchObject({ _tag: "OAuthTokenInvalid", reason: expect.stringMatching(/no key of the issuer/) })
      expect(issuer.fetches.jwks - before).toBe(1)
      // The old key is gone from the issuer's set, and from the verifier's.
      expect((await refusal(v, await issuer.sign({}, { key: old[0]! })))._tag).toBe("OAuthTokenInvalid")
    } finally {
      issuer.keys = old
    }
  })

  it("answers an issuer that cannot be reached, or does not answer in time, as unavailable (typed), in bounded time", async () => {
    const port = await closedPort()
    const down = await verifier({ issuer: issuer.url, jwksUrl: `http://127.0.0.1:${port}/jwks` })
    const refused = await refusal(down, await issuer.sign({}))
    expect(refused).toMatchObject({
      _tag: "OAuthIssuerUnavailable",
      issuer: issuer.url,
      url: `http://127.0.0.1:${port}/jwks`,
      reason: expect.stringContaining("ECONNREFUSED")
    })
    const undiscoverable = await verifier({ issuer: `http://127.0.0.1:${port}` })
    expect((await refusal(undiscoverable, await issuer.sign({})))._tag).toBe("OAuthIssuerUnavailable")

    issuer.hang = true
    try {
      const slow = await verifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl, fetchTimeoutMs: 200 })
      const started = Date.now()
      const late = await refusal(slow, await issuer.sign({}))
      expect(late).toMatchObject({ _tag: "OAuthIssuerUnavailable", reason: "no answer within 200 ms" })
      expect(Date.now() - started).toBeLessThan(2_000)
    } finally {
      issuer.hang = false
    }
  })
})
