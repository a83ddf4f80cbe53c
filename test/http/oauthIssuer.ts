/**
 * A local OAuth issuer on 127.0.0.1 for the tests: its metadata (RFC 8414,
 * or OpenID Connect's, or none, or naming another issuer), its JWKS (keys
 * made with jose, rotated as a test likes), access tokens signed by its
 * keys, and counts of what was fetched. `hang` makes it accept connections
 * and never answer.
 */
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface IssuerKey {
  readonly kid: string
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
  readonly publicPem: string
}

export type MetadataMode = "oauth" | "openid" | "none" | "other-issuer"

export interface LocalIssuer {
  /** The issuer identifier (`http://127.0.0.1:PORT`). */
  readonly url: string
  readonly jwksUrl: string
  readonly fetches: { metadata: number; jwks: number }
  /** The keys served, the first signs by default. */
  keys: Array<IssuerKey>
  metadata: MetadataMode
  hang: boolean
  readonly newKey: (kid: string, alg?: string) => Promise<IssuerKey>
  /** A token of this issuer for `audience` (claims may override or drop any: `undefined` drops). */
  readonly sign: (
    claims: Record<string, unknown>,
    options?: { readonly key?: IssuerKey; readonly kid?: string; readonly alg?: string }
  ) => Promise<string>
  readonly close: () => Promise<void>
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")

/** A token with `alg: none` (no signature). */
export const unsignedToken = (claims: Record<string, unknown>): string =>
  `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`

export const makeKey = async (kid: string, alg = "RS256"): Promise<IssuerKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" }
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) }
}

export const startIssuer = async (options: { readonly audience: string }): Promise<LocalIssuer> => {
  let url = ""
  const server: Server = createServer((req, res) => {
    if (issuer.hang) return
    const path = (req.url ?? "/").split("?")[0]
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" })
      res.end(JSON.stringify(body))
    }
    const metadata = { issuer: issuer.metadata === "other-issuer" ? "https://elsewhere.example" : url, jwks_uri: `${url}/jwks` }
    if (path === "/.well-known/oauth-authorization-server") {
      issuer.fetches.metadata++
      return issuer.metadata === "oauth" || issuer.metadata === "other-issuer" ? send(200, metadata) : send(404, {})
    }
    if (path === "/.well-known/openid-configuration") {
      issuer.fetches.metadata++
      return issuer.metadata === "openid" ? send(200, metadata) : send(404, {})
    }
    if (path === "/jwks") {
      issuer.fetches.jwks++
      return send(200, { keys: issuer.keys.map((k) => k.publicJwk) })
    }
    send(404, {})
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuer: LocalIssuer = {
    url,
    jwksUrl: `${url}/jwks`,
    fetches: { metadata: 0, jwks: 0 },
    keys: [await makeKey("key-1")],
    metadata: "oauth",
    hang: false,
    newKey: makeKey,
    sign: async (claims, signing = {}) => {
      const key = signing.key ?? issuer.keys[0]!
      const now = Math.floor(Date.now() / 1000)
      const payload = Object.fromEntries(
        Object.entries({ iss: url, aud: options.audience, sub: "alice", iat: now, exp: now + 300, ...claims })
          .filter(([, v]) => v !== undefined)
      )
      return new SignJWT(payload)
        .setProtectedHeader({ alg: signing.alg ?? key.alg, kid: signing.kid ?? key.kid, typ: "at+jwt" })
        .sign(key.privateKey)
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
  return issuer
}

/** A port on loopback that nothing listens on (it was free a moment ago). */
export const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
