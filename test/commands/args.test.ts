/**
 * The command line: which command the arguments ask for, and unknown
 * arguments refused with exit code 2 and a usage on stderr.
 */
import * as Either from "effect/Either"
import { afterAll, describe, expect, it } from "vitest"
import { parseArgs } from "../../src/commands/args.js"
import { clientNames } from "../../src/commands/clients.js"
import { VERSION } from "../../src/version.js"
import { cleanUp, runBinary } from "./harness.js"

afterAll(cleanUp)

describe("parseArgs", () => {
  const command = (argv: ReadonlyArray<string>) => Either.getOrThrow(parseArgs(argv))
  const refused = (argv: ReadonlyArray<string>) => {
    const parsed = parseArgs(argv)
    expect(Either.isLeft(parsed)).toBe(true)
    return Either.isLeft(parsed) ? parsed.left : undefined
  }

  it("serves with no arguments", () => {
    expect(command([])).toEqual({ _tag: "Serve" })
  })

  it("reads --version, --help, doctor [--json] and config CLIENT [--npx]", () => {
    expect(command(["--version"])).toEqual({ _tag: "Version" })
    expect(command(["-v"])).toEqual({ _tag: "Version" })
    expect(command(["--help"])).toEqual({ _tag: "Help" })
    expect(command(["doctor"])).toEqual({ _tag: "Doctor", json: false })
    expect(command(["doctor", "--json"])).toEqual({ _tag: "Doctor", json: true })
    for (const client of clientNames) expect(command(["config", client])).toEqual({ _tag: "Config", client, npx: false })
    expect(command(["config", "--npx", "cursor"])).toEqual({ _tag: "Config", client: "cursor", npx: true })
  })

  it("refuses anything else, naming what it did not understand", () => {
    expect(refused(["--bogus"])?.message).toContain("--bogus")
    expect(refused(["serve", "now"])?._tag).toBe("UsageError")
    expect(refused(["doctor", "--verbose"])?.message).toContain("--verbose")
    expect(refused(["--version", "extra"])).toBeDefined()
    expect(refused(["config"])?.message).toContain(clientNames.join(", "))
    expect(refused(["config", "emacs"])?.message).toContain(clientNames.join(", "))
    expect(refused(["config", "cursor", "vscode"])).toBeDefined()
  })

  it("config CLIENT --http [[HOST:]PORT] | --url URL, in any order: a client of the server over HTTP", () => {
    expect(command(["config", "cursor", "--http", "8080"])).toEqual({ _tag: "Config", client: "cursor", npx: false, http: "8080" })
    expect(command(["config", "--http", "[::1]:8080", "vscode"])).toEqual({ _tag: "Config", client: "vscode", npx: false, http: "[::1]:8080" })
    expect(command(["config", "--http=0.0.0.0:80", "codex"])).toEqual({ _tag: "Config", client: "codex", npx: false, http: "0.0.0.0:80" })
    // --http alone: the address of the environment; the word after it is the client when it is no address.
    expect(command(["config", "--http", "gemini"])).toEqual({ _tag: "Config", client: "gemini", npx: false, http: true })
    expect(command(["config", "gemini", "--http"])).toEqual({ _tag: "Config", client: "gemini", npx: false, http: true })
    expect(command(["config", "claude-code", "--url", "https://gw.example.com/mcp"]))
      .toEqual({ _tag: "Config", client: "claude-code", npx: false, url: "https://gw.example.com/mcp" })
    expect(refused(["config", "cursor", "--http=localhost"])?.message).toContain("--http")
    expect(refused(["config", "cursor", "--url"])?.message).toContain("--url")
    expect(refused(["config", "cursor", "--http", "1", "--http", "2"])?.message).toContain("twice")
    expect(refused(["config", "cursor", "--npx", "--http", "8080"])?.message).toContain("--npx")
    expect(refused(["config", "cursor", "--verbose"])?.message).toContain("--verbose")
  })

  it("--toolsets LIST (or --toolsets=LIST) serves those toolsets; an unknown name is refused with the valid ones", () => {
    expect(command(["--toolsets", "claude,requests,jobs"])).toEqual({ _tag: "Serve", toolsets: "claude,requests,jobs" })
    expect(command(["--toolsets=sessions"])).toEqual({ _tag: "Serve", toolsets: "sessions" })
    const bad = refused(["--toolsets", "claude,bogus"])
    expect(bad?.message).toContain("bogus")
    expect(bad?.message).toContain("requests")
    expect(refused(["--toolsets"])?.message).toContain("jobs")
    expect(refused(["--toolsets", "all", "extra"])).toBeDefined()
  })
})

describe("the binary's command line", () => {
  it("--version prints the version alone", async () => {
    const run = await runBinary(["--version"])
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n` })
  })

  it("--help lists the commands and the clients", async () => {
    const run = await runBinary(["--help"])
    expect(run.code).toBe(0)
    for (const word of ["doctor", "--json", "config CLIENT", "--npx", ...clientNames]) expect(run.stdout).toContain(word)
  })

  it("unknown arguments exit with 2, a short usage on stderr and nothing on stdout", async () => {
    const run = await runBinary(["--bogus"])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain("unknown arguments")
    expect(run.stderr).toContain("Usage: llm-cli-gateway")
  })

  it("--toolsets with an unknown name exits with 2 before serving, naming the valid toolsets", async () => {
    const run = await runBinary(["--toolsets", "bogus"])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain("bogus")
    expect(run.stderr).toContain("sessions")
  })

  it("an unknown client exits with 2 and lists the clients", async () => {
    const run = await runBinary(["config", "emacs"])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe("")
    for (const client of clientNames) expect(run.stderr).toContain(client)
  })
})
