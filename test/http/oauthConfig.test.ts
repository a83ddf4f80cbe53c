/**
 * The OAuth settings of the configuration (`LLM_GATEWAY_OAUTH_*`,
 * `LLM_GATEWAY_HTTP_PUBLIC_URL`): read only with HTTP and an issuer set,
 * the resource derived from the address unless given, each bad value
 * refused by name; and the challenge and metadata helpers of `http/oauth`.
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import { config } from "../../src/Config.js"
import * as Auth from "../../src/http/auth.js"
import { DEFAULT_ALGORITHMS, looksLikeJwt, metadataPaths, metadataUrl } from "../../src/http/oauth.js"

/** Loads the configuration from `env`, and the names it asked for. */
const load = (env: Record<string, string>) => {
  const asked = new Set<string>()
  const flat = ConfigProvider.fromMap(new Map(Object.entries(env)), { pathDelim: "_", seqDelim: "," }).flattened
  const tracking = ConfigProvider.fromFlat(ConfigProvider.makeFlat({
    load: (path, primitive, split) => {
      asked.add(path.join("_"))
      return flat.load(path, primitive, split)
    },
    enumerateChildren: (path) => flat.enumerateChildren(path),
    patch: flat.patch
  }))
  return { loaded: Effect.runSync(Effect.either(tracking.load(config))), asked }
}

const ISSUER = "https://auth.example.com/tenant"

describe("the OAuth settings", () => {
  it("are not even read without LLM_GATEWAY_HTTP, nor without an issuer", () => {
    const stdio = load({ LLM_GATEWAY_OAUTH_ISSUER: ISSUER, LLM_GATEWAY_OAUTH_CLOCK_SKEW_MS: "nope" })
    expect(Either.getOrThrow(stdio.loaded).http.oauth).toBeUndefined()
    expect([...stdio.asked].filter((n) => n.startsWith("LLM_GATEWAY_OAUTH_"))).toEqual([])
    const plain = load({ LLM_GATEWAY_HTTP: "8080", LLM_GATEWAY_OAUTH_SCOPES: "bad\"scope" })
    const http = Either.getOrThrow(plain.loaded).http
    expect(http.oauth).toBeUndefined()
    expect(http.publicUrl).toBeUndefined()
    expect([...plain.asked].filter((n) => n.startsWith("LLM_GATEWAY_OAUTH_"))).toEqual(["LLM_GATEWAY_OAUTH_ISSUER"])
  })

  it("defaults: the resource is the address's /mcp URL, the audience the resource, keys discovered", () => {
    const { loaded } = load({ LLM_GATEWAY_HTTP: "127.0.0.1:8080", LLM_GATEWAY_OAUTH_ISSUER: ISSUER })
    expect(Either.getOrThrow(loaded).http.oauth).toEqual({
      issuer: ISSUER,
      resource: "http://127.0.0.1:8080/mcp",
      audience: ["http://127.0.0.1:8080/mcp"],
      scopes: [],
      algorithms: DEFAULT_ALGORITHMS,
      clockSkewMs: 30_000,
      fetchTimeoutMs: 5_000,
      jwksCooldownMs: 30_000
    })
  })

  it("reads every setting", () => {
    const { loaded } = load({
      LLM_GATEWAY_HTTP: "0.0.0.0:8443",
      LLM_GATEWAY_HTTP_PUBLIC_URL: "https://gw.example.com/mcp",
      LLM_GATEWAY_OAUTH_ISSUER: ISSUER,
      LLM_GATEWAY_OAUTH_AUDIENCE: "https://gw.example.com/mcp, api://gateway",
      LLM_GATEWAY_OAUTH_JWKS_URL: "https://auth.example.com/tenant/keys",
      LLM_GATEWAY_OAUTH_SCOPES: "mcp:tools, mcp:jobs offline",
      LLM_GATEWAY_OAUTH_ALGORITHMS: "ES256,EdDSA",
      LLM_GATEWAY_OAUTH_CLOCK_SKEW_MS: "5000",
      LLM_GATEWAY_OAUTH_FETCH_TIMEOUT_MS: "2000",
      LLM_GATEWAY_OAUTH_JWKS_COOLDOWN_MS: "0"
    })
    const http = Either.getOrThrow(loaded).http
    expect(http.publicUrl).toBe("https://gw.example.com/mcp")
    expect(http.oauth).toEqual({
      issuer: ISSUER,
      resource: "https://gw.example.com/mcp",
      audience: ["https://gw.example.com/mcp", "api://gateway"],
      jwksUrl: "https://auth.example.com/tenant/keys",
      scopes: ["mcp:tools", "mcp:jobs", "offline"],
      algorithms: ["ES256", "EdDSA"],
      clockSkewMs: 5_000,
      fetchTimeoutMs: 2_000,
      jwksCooldownMs: 0
    })
  })

  it("refuses bad values by name", () => {
    const base = { LLM_GATEWAY_HTTP: "127.0.0.1:8080", LLM_GATEWAY_OAUTH_ISSUER: ISSUER }
    for (const [name, value] of [
      ["LLM_GATEWAY_OAUTH_ISSUER", "not a url"],
      ["LLM_GATEWAY_OAUTH_ISSUER", "http://auth.example.com"],
      ["LLM_GATEWAY_OAUTH_ISSUER", "https://auth.example.com/?tenant=1"],
      ["LLM_GATEWAY_OAUTH_JWKS_URL", "http://auth.example.com/keys"],
      ["LLM_GATEWAY_OAUTH_AUDIENCE", " , "],
      ["LLM_GATEWAY_OAUTH_SCOPES", "a\"b"],
      ["LLM_GATEWAY_OAUTH_ALGORITHMS", "RS256,HS256"],
      ["LLM_GATEWAY_OAUTH_ALGORITHMS", "none"],
      ["LLM_GATEWAY_OAUTH_CLOCK_SKEW_MS", "600000"],
      ["LLM_GATEWAY_OAUTH_FETCH_TIMEOUT_MS", "0"],
      ["LLM_GATEWAY_HTTP_PUBLIC_URL", "ftp://gw.example.com/mcp"]
    ] as const) {
      const { loaded } = load({ ...base, [name]: value })
      expect(Either.isLeft(loaded), `${name}=${value}`).toBe(true)
      if (Either.isLeft(loaded)) expect(String(loaded.left), `${name}=${value}`).toContain(name)
    }
    // http on a loopback issuer is allowed (a local issuer).
    expect(Either.isRight(load({ ...base, LLM_GATEWAY_OAUTH_ISSUER: "http://127.0.0.1:9000" }).loaded)).toBe(true)
  })

  it("asks for the public URL when the resource cannot be derived from the address", () => {
    for (const listen of ["0", "0.0.0.0:8080", "[::]:8080"]) {
      const { loaded } = load({ LLM_GATEWAY_HTTP: listen, LLM_GATEWAY_OAUTH_ISSUER: ISSUER })
      expect(Either.isLeft(loaded), listen).toBe(true)
      if (Either.isLeft(loaded)) expect(String(loaded.left)).toContain("LLM_GATEWAY_HTTP_PUBLIC_URL")
    }
  })
})

describe("the OAuth helpers", () => {
  it("puts the metadata URL between the resource's origin and path (RFC 9728 §3.1), and serves the paths", () => {
    expect(metadataUrl("https://gw.example.com/mcp")).toBe("https://gw.example.com/.well-known/oauth-protected-resource/mcp")
    expect(metadataUrl("https://gw.example.com/")).toBe("https://gw.example.com/.well-known/oauth-protected-resource")
    expect(metadataPaths("https://gw.example.com/gw/mcp", "/mcp")).toEqual([
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource/gw/mcp"
    ])
  })

  it("tells a JWT from a token of the file", () => {
    expect(looksLikeJwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln")).toBe(true)
    expect(looksLikeJwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.")).toBe(true)
    expect(looksLikeJwt("lcg_abcDEF123-_")).toBe(false)
    expect(looksLikeJwt("a.b")).toBe(false)
  })

  it("keeps same() and principalId() for every kind of caller", () => {
    const identity = { issuer: "https://i", subject: "s", scopes: [], expiresAt: 0 }
    const jwt: Auth.Caller = { principal: { name: "oauth:https://i#s" }, authenticated: true, oauth: identity }
    const token: Auth.Caller = { principal: { name: "s" }, authenticated: true }
    expect(Auth.principalId(Auth.local)).toBe("local")
    expect(Auth.principalId(token)).toBe("token:s")
    expect(Auth.principalId(jwt)).toBe("oauth:https://i#s")
    expect(Auth.same(jwt, { ...jwt, oauth: { ...identity, scopes: ["x"] } })).toBe(true)
    expect(Auth.same(jwt, token)).toBe(false)
    expect(Auth.same(jwt, { ...jwt, oauth: { ...identity, subject: "t" }, principal: { name: "oauth:https://i#t" } }))
      .toBe(false)
    expect(Auth.same(token, { principal: { name: "s" }, authenticated: true })).toBe(true)
    expect(Auth.same(Auth.local, token)).toBe(false)
  })
})
