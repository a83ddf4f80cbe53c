/**
 * Where the Streamable HTTP server listens: `--http` and `LLM_GATEWAY_HTTP`
 * take `PORT`, `HOST:PORT` or `[IPV6]:PORT`. A port alone binds the IPv4
 * loopback (127.0.0.1): nothing beyond this machine can reach the server
 * unless a host is given. Pure.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"

/**
 * A host (a name or an address, IPv6 without brackets) and a port (0: any
 * free port, as the operating system chooses).
 *
 * @since 0.1.0
 */
export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** The host a port alone binds. @since 0.1.0 */
export const DEFAULT_HOST = "127.0.0.1"

const PORT = /^\d{1,5}$/
const HOST = /^[A-Za-z0-9._-]+$/
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?$/

const port = (text: string): Either.Either<number, string> => {
  const n = Number(text)
  return PORT.test(text) && n <= 65_535 ? Either.right(n) : Either.left(`${JSON.stringify(text)} is not a port (0 to 65535)`)
}

/**
 * Reads `PORT`, `HOST:PORT` or `[IPV6]:PORT`; the message of a `Left` says
 * what was expected.
 *
 * @since 0.1.0
 */
export const parseListen = (value: string): Either.Either<ListenAddress, string> => {
  const text = value.trim()
  const expected = `expected PORT, HOST:PORT or [IPV6]:PORT, got ${JSON.stringify(value)}`
  if (text === "") return Either.left(expected)
  const at = (host: string, portText: string) =>
    Either.mapBoth(port(portText), { onLeft: (e) => `${e}; ${expected}`, onRight: (p) => ({ host, port: p }) })
  if (!text.includes(":")) return at(DEFAULT_HOST, text)
  if (text.startsWith("[")) {
    const close = text.indexOf("]")
    const host = text.slice(1, close)
    if (close < 0 || text[close + 1] !== ":" || !IPV6.test(host) || !host.includes(":")) return Either.left(expected)
    return at(host, text.slice(close + 2))
  }
  const colon = text.lastIndexOf(":")
  const host = text.slice(0, colon)
  if (host.includes(":")) return Either.left(`an IPv6 address goes in brackets ([::1]:PORT); ${expected}`)
  if (!HOST.test(host)) return Either.left(expected)
  return at(host, text.slice(colon + 1))
}

/**
 * Whether only this machine can reach a host: `localhost`, 127.0.0.0/8 or
 * `::1`. Anything else (`0.0.0.0`, `::`, a name, a LAN address) is not.
 *
 * @since 0.1.0
 */
export const isLoopback = (host: string): boolean => {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "")
  return h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/**
 * The host as it is written in a URL or a `Host` header (IPv6 in brackets).
 *
 * @since 0.1.0
 */
export const urlHost = (host: string): string => host.includes(":") ? `[${host}]` : host

/**
 * `HOST:PORT` (`[IPV6]:PORT`), as `LLM_GATEWAY_HTTP` takes it.
 *
 * @since 0.1.0
 */
export const format = (address: ListenAddress): string => `${urlHost(address.host)}:${address.port}`

/**
 * The URL of the MCP endpoint at an address.
 *
 * @since 0.1.0
 */
export const endpointUrl = (address: ListenAddress): string => `http://${format(address)}/mcp`
