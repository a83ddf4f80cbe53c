/**
 * The DNS-rebinding defence of the Streamable HTTP transport (MCP
 * 2025-11-25, "Security Warning"): a browser page on another site must not
 * reach a server on this machine. A request whose `Origin` header is
 * present and not allowed is refused (403); so is, on a loopback bind, a
 * request whose `Host` is not a loopback name (a rebound name resolving to
 * 127.0.0.1 still carries its own name in `Host`). Pure.
 *
 * Allowed origins are written `SCHEME://HOST[:PORT]`, with `*` as the port
 * for any port (or none); `*` alone allows every origin. The default allows
 * the loopback origins on any port (`http(s)://localhost`, `127.0.0.1`,
 * `[::1]`). `LLM_GATEWAY_HTTP_ALLOWED_ORIGINS` replaces the list.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { isLoopback, urlHost } from "./address.js"

/**
 * The origins allowed when none are configured.
 *
 * @since 0.1.0
 */
export const DEFAULT_ALLOWED_ORIGINS: ReadonlyArray<string> = ["localhost", "127.0.0.1", "[::1]"].flatMap((host) =>
  ["http", "https"].map((scheme) => `${scheme}://${host}:*`)
)

interface Pattern {
  readonly protocol: string
  readonly hostname: string
  /** A port, `""` for the scheme's default, `"*"` for any. */
  readonly port: string
}

/** A compiled list: every origin, or these patterns. */
export type AllowedOrigins = "*" | ReadonlyArray<Pattern>

const parsePattern = (entry: string): Either.Either<Pattern, string> => {
  const anyPort = entry.endsWith(":*")
  const text = anyPort ? entry.slice(0, -2) : entry
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Either.left(`${JSON.stringify(entry)} is not an origin (SCHEME://HOST[:PORT], the port may be *)`)
  }
  if (url.origin === "null" || url.pathname !== "/" || url.search !== "" || url.hash !== "" ||
    url.username !== "" || anyPort && url.port !== "") {
    return Either.left(`${JSON.stringify(entry)} is not an origin (SCHEME://HOST[:PORT], the port may be *)`)
  }
  return Either.right({ protocol: url.protocol, hostname: url.hostname, port: anyPort ? "*" : url.port })
}

/**
 * Reads a list of allowed origins (each `SCHEME://HOST[:PORT]`, the port
 * may be `*`; or `*` alone), failing on the first that is not one.
 *
 * @since 0.1.0
 */
export const parseAllowedOrigins = (entries: ReadonlyArray<string>): Either.Either<AllowedOrigins, string> => {
  if (entries.includes("*")) return Either.right("*")
  const patterns: Array<Pattern> = []
  for (const entry of entries) {
    const parsed = parsePattern(entry)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    patterns.push(parsed.right)
  }
  return Either.right(patterns)
}

/**
 * Whether a request's `Origin` header allows it: absent (not a browser, or
 * a same-origin GET) is allowed; present, it must match the list.
 *
 * @since 0.1.0
 */
export const originAllowed = (allowed: AllowedOrigins, origin: string | undefined): boolean => {
  if (origin === undefined) return true
  if (allowed === "*") return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.origin === "null") return false
  return allowed.some((p) =>
    p.protocol === url.protocol && p.hostname === url.hostname && (p.port === "*" || p.port === url.port)
  )
}

/**
 * Whether a request's `Host` header may reach a server bound to `bindHost`.
 * On a loopback bind it must name a loopback host, the bound one, or one of
 * `knownHosts` (the public URL's, which a proxy on the same host passes on);
 * on any other bind every host is accepted (that server requires a bearer
 * token).
 *
 * @since 0.1.0
 */
export const hostAllowed = (
  bindHost: string,
  host: string | undefined,
  knownHosts: ReadonlyArray<string> = []
): boolean => {
  if (!isLoopback(bindHost)) return true
  if (host === undefined || host === "") return false
  let hostname: string
  try {
    hostname = new URL(`http://${host}`).hostname
  } catch {
    return false
  }
  return isLoopback(hostname) || hostname === urlHost(bindHost).toLowerCase() || knownHosts.includes(hostname)
}
