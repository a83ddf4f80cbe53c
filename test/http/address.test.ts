/**
 * The pure parts of the HTTP transport's safety: where it listens
 * (`--http`, `LLM_GATEWAY_HTTP`), which hosts are loopback, which origins
 * and Host headers are allowed, and the settings as the configuration and
 * the command line read them.
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { parseArgs } from "../../src/commands/args.js"
import { readSettings } from "../../src/commands/settings.js"
import { config } from "../../src/Config.js"
import { endpointUrl, format, isLoopback, parseListen } from "../../src/http/address.js"
import { DEFAULT_ALLOWED_ORIGINS, hostAllowed, originAllowed, parseAllowedOrigins } from "../../src/http/origins.js"

const right = <A>(e: Either.Either<A, string>): A => Either.getOrThrowWith(e, (m) => new Error(m))

describe("parseListen", () => {
  it("reads PORT (bound to 127.0.0.1), HOST:PORT and [IPV6]:PORT", () => {
    expect(right(parseListen("8080"))).toEqual({ host: "127.0.0.1", port: 8080 })
    expect(right(parseListen(" 0 "))).toEqual({ host: "127.0.0.1", port: 0 })
    expect(right(parseListen("0.0.0.0:9000"))).toEqual({ host: "0.0.0.0", port: 9000 })
    expect(right(parseListen("localhost:80"))).toEqual({ host: "localhost", port: 80 })
    expect(right(parseListen("[::1]:8443"))).toEqual({ host: "::1", port: 8443 })
    expect(right(parseListen("[::]:1"))).toEqual({ host: "::", port: 1 })
  })

  it("refuses what is not an address, saying what it expects", () => {
    for (const bad of ["", "http", "65536", "-1", "host:", ":80", "::1:80", "[::1]", "[::1]80", "a b:1", "1.2.3.4:x", "[zz]:1"]) {
      const parsed = parseListen(bad)
      expect(Either.isLeft(parsed), bad).toBe(true)
      if (Either.isLeft(parsed)) expect(parsed.left).toContain("PORT")
    }
    expect(Either.getLeft(parseListen("::1:80")).pipe(Option.getOrElse(() => ""))).toContain("brackets")
  })

  it("formats addresses back, IPv6 in brackets", () => {
    expect(format({ host: "::1", port: 3 })).toBe("[::1]:3")
    expect(endpointUrl({ host: "127.0.0.1", port: 8080 })).toBe("http://127.0.0.1:8080/mcp")
  })

  it("loopback is localhost, 127.0.0.0/8 and ::1; nothing else", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST"]) expect(isLoopback(host), host).toBe(true)
    for (const host of ["0.0.0.0", "::", "192.168.1.2", "example.com", "localhost.example.com", "128.0.0.1", "::2"]) {
      expect(isLoopback(host), host).toBe(false)
    }
  })
})

describe("origins and hosts", () => {
  const defaults = right(parseAllowedOrigins(DEFAULT_ALLOWED_ORIGINS))

  it("by default allows no Origin, and the loopback origins on any port, http or https", () => {
    expect(originAllowed(defaults, undefined)).toBe(true)
    for (const origin of ["http://localhost", "http://localhost:5173", "https://127.0.0.1:8443", "http://[::1]:3000"]) {
      expect(originAllowed(defaults, origin), origin).toBe(true)
    }
    for (const origin of ["https://evil.example", "http://localhost.evil.example", "null", "file://", "ws://localhost", "garbage"]) {
      expect(originAllowed(defaults, origin), origin).toBe(false)
    }
  })

  it("a configured list replaces the default: exact origins, a port of *, or * for all", () => {
    const app = right(parseAllowedOrigins(["https://app.example.com", "http://10.0.0.5:*"]))
    expect(originAllowed(app, "https://app.example.com")).toBe(true)
    expect(originAllowed(app, "https://app.example.com:444")).toBe(false)
    expect(originAllowed(app, "http://10.0.0.5:1234")).toBe(true)
    expect(originAllowed(app, "http://localhost:5173")).toBe(false)
    expect(originAllowed(right(parseAllowedOrigins(["*"])), "https://anything.example")).toBe(true)
    for (const bad of ["app.example.com", "https://app.example.com/path", "https://x:*:*", "https://user@x"]) {
      expect(Either.isLeft(parseAllowedOrigins([bad])), bad).toBe(true)
    }
  })

  it("on a loopback bind the Host must be a loopback name; beyond loopback any is accepted", () => {
    expect(hostAllowed("127.0.0.1", "127.0.0.1:8080")).toBe(true)
    expect(hostAllowed("127.0.0.1", "localhost:8080")).toBe(true)
    expect(hostAllowed("::1", "[::1]:8080")).toBe(true)
    expect(hostAllowed("127.0.0.1", "attacker.test:8080")).toBe(false)
    expect(hostAllowed("127.0.0.1", "127.0.0.1.attacker.test")).toBe(false)
    expect(hostAllowed("127.0.0.1", undefined)).toBe(false)
    expect(hostAllowed("0.0.0.0", "gateway.lan:8080")).toBe(true)
  })
})

describe("the HTTP settings", () => {
  const load = (env: Record<string, string>) =>
    Effect.runSync(Effect.either(ConfigProvider.fromMap(new Map(Object.entries(env))).load(config)))

  it("defaults: stdio, the loopback origins, 16 MiB bodies, 100 sessions, 30 minutes idle", () => {
    const loaded = Either.getOrThrow(load({}))
    expect(loaded.http).toEqual({
      listen: Option.none(),
      allowedOrigins: DEFAULT_ALLOWED_ORIGINS,
      maxBodyBytes: 16 * 1024 * 1024,
      maxSessions: 100,
      sessionIdleMs: 1_800_000
    })
  })

  it("reads LLM_GATEWAY_HTTP* and refuses bad values by name", () => {
    const loaded = Either.getOrThrow(load({
      LLM_GATEWAY_HTTP: "[::1]:8080",
      LLM_GATEWAY_HTTP_ALLOWED_ORIGINS: "https://app.example.com, http://localhost:*",
      LLM_GATEWAY_HTTP_MAX_BODY_BYTES: "65536",
      LLM_GATEWAY_HTTP_MAX_SESSIONS: "3",
      LLM_GATEWAY_HTTP_SESSION_IDLE_MS: "1000"
    }))
    expect(loaded.http).toEqual({
      listen: Option.some({ host: "::1", port: 8080 }),
      allowedOrigins: ["https://app.example.com", "http://localhost:*"],
      maxBodyBytes: 65_536,
      maxSessions: 3,
      sessionIdleMs: 1_000
    })
    expect(Option.isNone(Either.getOrThrow(load({ LLM_GATEWAY_HTTP: "" })).http.listen)).toBe(true)
    for (const [name, value] of [
      ["LLM_GATEWAY_HTTP", "nope"],
      ["LLM_GATEWAY_HTTP_ALLOWED_ORIGINS", "evil.example"],
      ["LLM_GATEWAY_HTTP_MAX_BODY_BYTES", "10"],
      ["LLM_GATEWAY_HTTP_MAX_SESSIONS", "0"],
      ["LLM_GATEWAY_HTTP_SESSION_IDLE_MS", "-5"]
    ] as const) {
      const failed = load({ [name]: value })
      expect(Either.isLeft(failed), name).toBe(true)
      if (Either.isLeft(failed)) expect(String(failed.left)).toContain(name)
    }
  })

  it("doctor shows each of them", async () => {
    const { settings } = await Effect.runPromise(readSettings({ LLM_GATEWAY_HTTP: "9000" }))
    const byName = new Map(settings.map((s) => [s.name, s.value]))
    expect(byName.get("LLM_GATEWAY_HTTP")).toBe("9000")
    expect(byName.get("LLM_GATEWAY_HTTP_MAX_SESSIONS")).toBe("100")
    expect(byName.get("LLM_GATEWAY_HTTP_ALLOWED_ORIGINS")).toContain("http://localhost:*")
    const unset = await Effect.runPromise(readSettings({}))
    expect(unset.settings.find((s) => s.name === "LLM_GATEWAY_HTTP")?.value).toBe("(unset: stdio)")
  })
})

describe("--http", () => {
  const command = (argv: ReadonlyArray<string>) => Either.getOrThrow(parseArgs(argv))
  const refused = (argv: ReadonlyArray<string>) => Either.getLeft(parseArgs(argv)).pipe(Option.map((e) => e.message), Option.getOrUndefined)

  it("serves over HTTP at the address, with --toolsets in either order", () => {
    expect(command(["--http", "8080"])).toEqual({ _tag: "Serve", http: "8080" })
    expect(command(["--http=[::1]:9"])).toEqual({ _tag: "Serve", http: "[::1]:9" })
    expect(command(["--toolsets", "jobs", "--http", "0.0.0.0:1"])).toEqual({ _tag: "Serve", toolsets: "jobs", http: "0.0.0.0:1" })
    expect(command(["--http", "1", "--toolsets=claude"])).toEqual({ _tag: "Serve", toolsets: "claude", http: "1" })
  })

  it("refuses a missing or bad address, a flag twice, and anything else", () => {
    expect(refused(["--http"])).toContain("[HOST:]PORT")
    expect(refused(["--http", "x"])).toContain("PORT")
    expect(refused(["--http", "1", "--http", "2"])).toContain("twice")
    expect(refused(["--http", "1", "extra"])).toContain("extra")
    expect(refused(["--http", "1", "--toolsets", "bogus"])).toContain("bogus")
  })
})
