/**
 * The adapters classify what the real CLIs printed (test/fixtures/real,
 * captured from the pinned binaries with no login and no network): the
 * failures a new user meets first. The contract suite (test/real) checks the
 * same cases on the binaries themselves.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { Cli } from "../../src/domain/Cli.js"
import * as Claude from "../../src/agents/claude/adapter.js"
import * as Codex from "../../src/agents/codex/adapter.js"
import * as Gemini from "../../src/agents/gemini/adapter.js"
import * as Grok from "../../src/agents/grok/adapter.js"
import type { FailedRun, Provider } from "../../src/providers/Provider.js"
import { isTransient } from "../../src/resilience/Retry.js"
import { failedRunOf } from "./helpers.js"

const dir = join(import.meta.dirname, "../fixtures/real")
const read = (cli: Cli, name: string): string => {
  try {
    return readFileSync(join(dir, cli, name), "utf8")
  } catch {
    return ""
  }
}
/** The run of a captured case: its stdout and stderr files, and its exit code. */
const captured = (cli: Cli, name: string, exitCode: number, fields: Partial<FailedRun> = {}): FailedRun =>
  failedRunOf(cli, {
    stdout: read(cli, `${name}.stdout`),
    stderr: read(cli, `${name}.stderr`),
    exitCode,
    ...fields
  })

const classify = <R>(provider: Provider<R>, run: FailedRun) => provider.classify(run)

const UUID = "3f0c2a7e-1b2c-4d5e-8f90-123456789abc"

describe("claude 2.1.332, as it really fails", () => {
  it("not logged in: CliAuthRequired naming /login", () => {
    const e = classify(Claude.provider, captured("claude", "not-logged-in", 1))
    expect(e._tag).toBe("CliAuthRequired")
    expect(e).toMatchObject({ cli: "claude", cliMessage: "Not logged in · Please run /login" })
    expect("loginCommand" in e && e.loginCommand).toContain("claude /login")
  })

  it("a key and no network: CliNetworkError after its own retries, with claude's words, not run again", () => {
    const e = classify(Claude.provider, captured("claude", "no-network", 1))
    expect(e._tag).toBe("CliNetworkError")
    expect(e).toMatchObject({ cli: "claude", retriedByCli: true })
    expect("cliMessage" in e && e.cliMessage).toContain("Can't reach the API server")
    expect(e.message).toContain("ENOTFOUND")
    expect("hint" in e && e.hint).toContain("ANTHROPIC_BASE_URL")
    expect(isTransient(e)).toBe(false)
  })

  it("an unreachable base URL: CliNetworkError (ECONNREFUSED), not run again", () => {
    const e = classify(Claude.provider, captured("claude", "unreachable-base-url", 1))
    expect(e._tag).toBe("CliNetworkError")
    expect("cliMessage" in e && e.cliMessage).toContain("ECONNREFUSED")
    expect(isTransient(e)).toBe(false)
  })

  it("an unknown session id: SessionNotFound with the id", () => {
    const e = classify(Claude.provider, captured("claude", "unknown-session", 1, { sessionId: UUID }))
    expect(e._tag).toBe("SessionNotFound")
    expect(e).toMatchObject({ cli: "claude", sessionId: UUID })
    expect("cliMessage" in e && e.cliMessage).toContain("No conversation found with session ID")
  })

  it("bypass as root: refused, with a hint naming IS_SANDBOX", () => {
    const e = classify(Claude.provider, captured("claude", "root-bypass", 1))
    expect(e._tag).toBe("CliExitedNonZero")
    expect(e.message).toContain("root/sudo privileges")
    expect("hint" in e && e.hint).toContain("IS_SANDBOX=1")
  })

  it("an unknown option: a hint that the CLI may be too old or another program", () => {
    const e = classify(Claude.provider, captured("claude", "unknown-option", 1))
    expect(e._tag).toBe("CliExitedNonZero")
    expect(e.message).toContain("error: unknown option '--such-flag'")
    expect("hint" in e && e.hint).toMatch(/too old, or not the claude CLI/)
  })

  it("while it runs, each api_retry without an HTTP status says the service is unreachable", () => {
    const lines = read("claude", "no-network.stdout").split("\n").filter((l) => l !== "")
    const signals = lines.map((l) => Claude.provider.watch!("stdout", l))
    const unreachable = signals.filter((s) => s?._tag === "Unreachable")
    expect(unreachable.length).toBeGreaterThanOrEqual(8)
    expect(unreachable[0]).toMatchObject({ words: expect.stringContaining("claude is retrying (attempt 1 of 10)") })
    // A retry of an HTTP error (a 529, a 500) is not a network failure.
    const overloaded = lines.find((l) => l.includes("api_retry"))!.replace('"error_status":null', '"error_status":529')
    expect(Claude.provider.watch!("stdout", overloaded)).toBeUndefined()
  })
})

describe("codex 0.171.0, as it really fails", () => {
  it("an unknown thread id: SessionNotFound", () => {
    const e = classify(Codex.provider, captured("codex", "unknown-session", 1, { sessionId: UUID }))
    expect(e._tag).toBe("SessionNotFound")
    expect(e).toMatchObject({ cli: "codex", sessionId: UUID })
    expect("cliMessage" in e && e.cliMessage).toContain("no rollout found for thread id")
  })

  it("an unknown option: the hint", () => {
    const e = classify(Codex.provider, captured("codex", "unknown-option", 2))
    expect(e.message).toContain("unexpected argument '--such-flag'")
    expect("hint" in e && e.hint).toMatch(/too old/)
  })

  it("no network: it never exits, but its reconnect events say the service is unreachable, and nothing says otherwise", () => {
    const lines = read("codex", "no-network.stdout").split("\n").filter((l) => l !== "")
    const signals = lines.map((l) => Codex.provider.watch!("stdout", l))
    expect(signals.filter((s) => s?._tag === "Unreachable").length).toBeGreaterThanOrEqual(10)
    expect(signals.some((s) => s?._tag === "Progress")).toBe(false)
    expect(Codex.provider.watch!("stdout", '{"type":"item.completed","item":{"id":"i1","type":"agent_message","text":"hi"}}'))
      .toEqual({ _tag: "Progress" })
  })

  it("a reconnect after an HTTP answer (its key refused) is not network trouble: codex ends with the 401 itself", () => {
    // What codex 0.171 printed against a loopback service answering 401 (test/real/failures.real.test.ts).
    const line = JSON.stringify({
      type: "error",
      message:
        "Reconnecting... 2/5 (unexpected status 401 Unauthorized: Incorrect API key provided: sk-dummy., url: ws://127.0.0.1:40123/v1/responses)"
    })
    expect(Codex.provider.watch!("stdout", line)).toBeUndefined()
  })

  it("were it to give up, its reconnect words would be a network failure it retried itself", () => {
    const e = classify(Codex.provider, captured("codex", "no-network", 1))
    expect(e._tag).toBe("CliNetworkError")
    expect(e).toMatchObject({ retriedByCli: true })
  })
})

describe("gemini 0.61.0, as it really fails", () => {
  it("not logged in (exit 41): CliAuthRequired", () => {
    const e = classify(Gemini.provider, captured("gemini", "not-logged-in", 41))
    expect(e._tag).toBe("CliAuthRequired")
    expect("cliMessage" in e && e.cliMessage).toContain("Please set an Auth method")
  })

  it("an unknown session (exit 42): SessionNotFound", () => {
    const e = classify(Gemini.provider, captured("gemini", "unknown-session", 42, { sessionId: UUID }))
    expect(e._tag).toBe("SessionNotFound")
    expect(e).toMatchObject({ cli: "gemini", sessionId: UUID })
    expect("cliMessage" in e && e.cliMessage).toContain("Error resuming session")
  })

  it("an unknown option: the hint", () => {
    const e = classify(Gemini.provider, captured("gemini", "unknown-option", 1))
    expect(e.message).toContain("Unknown arguments: such-flag")
    expect("hint" in e && e.hint).toMatch(/too old/)
  })

  it("a key and no network: CliNetworkError after its own attempts, not run again", () => {
    const e = classify(Gemini.provider, captured("gemini", "no-network", 1))
    expect(e._tag).toBe("CliNetworkError")
    expect("cliMessage" in e && e.cliMessage).toContain("fetch failed")
    expect(e).toMatchObject({ retriedByCli: true })
    expect(isTransient(e)).toBe(false)
  })

  it("while it runs, its failed attempts on stderr say the service is unreachable", () => {
    const lines = read("gemini", "no-network.stderr").split("\n")
    const unreachable = lines.map((l) => Gemini.provider.watch!("stderr", l.trim())).filter((s) => s?._tag === "Unreachable")
    expect(unreachable.length).toBeGreaterThanOrEqual(9)
  })
})

describe("the community grok (@vibe-kit/grok-cli 0.0.34)", () => {
  it("refuses the adapter's --output-format with its unknown-option words, which carry the hint", () => {
    const e = classify(Grok.provider, captured("grok", "community-output-format", 1))
    expect(e.message).toContain("unknown option '--output-format'")
    expect("hint" in e && e.hint).toMatch(/not the grok CLI the gateway expects/)
  })
})
