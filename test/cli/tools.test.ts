/**
 * The tools `cli_versions` and `cli_upgrade`: 1.4.0's parameters (with grok
 * added to the enum), annotations, and the answers over the live service.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { UpgradeFailed, UpgradeTargetInvalid, UpgradeTimedOut } from "../../src/cli/errors.js"
import { allClis } from "../../src/domain/Cli.js"
import { cliTools, cliUpgrade, cliVersions } from "../../src/mcp/tools/cli.js"
import { fixture, setup } from "./harness.js"

const upstream: { tools: ReadonlyArray<{ name: string; inputSchema: Record<string, unknown> }> } = JSON.parse(
  readFileSync(new URL("../fixtures/upstream-1.4.0-tools.json", import.meta.url), "utf8")
)
const upstreamSchema = (name: string) => upstream.tools.find((t) => t.name === name)!.inputSchema

/** The facts 1.4.0's clients rely on, without descriptions. */
const facts = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(facts)
  if (schema !== null && typeof schema === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(schema)) if (k !== "description" && k !== "title") out[k] = facts(v)
    return out
  }
  return schema
}

/** 1.4.0's schema with every CLI served today in the `cli` enum (1.4.0 knew claude, codex and gemini). */
const withGrok = (schema: Record<string, unknown>): unknown => {
  const copy = JSON.parse(JSON.stringify(schema)) as { properties: { cli: { enum: Array<string> } }; required?: unknown }
  copy.properties.cli.enum = [...copy.properties.cli.enum, ...allClis.filter((c) => !copy.properties.cli.enum.includes(c))]
  return copy
}

describe("cli tool declarations", () => {
  it("exports the two tools, in order", () => {
    expect(cliTools.map((t) => t.name)).toEqual(["cli_versions", "cli_upgrade"])
  })

  it("cli_versions keeps 1.4.0's parameters, with grok in the cli enum", () => {
    expect({ required: [], ...(facts(cliVersions.inputSchema) as object) }).toEqual({
      required: [],
      ...(withGrok(upstreamSchema("cli_versions")) as object)
    })
  })

  it("cli_upgrade keeps 1.4.0's parameters (target minLength 1 default latest, dryRun default true, timeoutMs bounds)", () => {
    expect(facts(cliUpgrade.inputSchema)).toEqual(withGrok(upstreamSchema("cli_upgrade")))
  })

  it("annotations: cli_versions read-only and closed, cli_upgrade destructive and open-world", () => {
    expect(cliVersions.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false
    })
    expect(cliUpgrade.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: true })
  })

  it("the upgrade errors serialize with their fields", () => {
    const invalid = new UpgradeTargetInvalid({ message: "m", cli: "codex", target: "npm:x", hint: "h" })
    expect(Schema.encodeSync(UpgradeTargetInvalid)(invalid)).toEqual({
      _tag: "UpgradeTargetInvalid",
      message: "m",
      cli: "codex",
      target: "npm:x",
      hint: "h"
    })
    const failed = new UpgradeFailed({
      message: "m",
      cli: "claude",
      argv: ["/bin/claude", "update"],
      exitCode: 1,
      signal: null,
      durationMs: 5,
      stdoutTail: "o",
      stderrTail: "e",
      hint: "h"
    })
    expect(Schema.encodeSync(UpgradeFailed)(failed)).toMatchObject({ _tag: "UpgradeFailed", exitCode: 1, argv: ["/bin/claude", "update"] })
    const timedOut = new UpgradeTimedOut({
      message: "m",
      cli: "grok",
      argv: ["grok", "update"],
      timeoutMs: 30_000,
      stdoutTail: "",
      stderrTail: "",
      hint: "h"
    })
    expect(Schema.encodeSync(UpgradeTimedOut)(timedOut)).toMatchObject({ _tag: "UpgradeTimedOut", timeoutMs: 30_000 })
  })
})

describe("cli_versions (real processes)", () => {
  it.live("answers every CLI by default, one line each, and the reports as data", () => {
    const f = setup({ binaries: { codex: "/nonexistent/codex" } })
    return Effect.gen(function*() {
      const answer = yield* cliVersions.call({})
      const versions = answer.structured.versions as ReadonlyArray<Record<string, unknown>>
      expect(versions.map((v) => [v.cli, v.status, v.version])).toEqual([
        ["claude", "installed", "2.0.0"],
        ["codex", "not_installed", undefined],
        ["gemini", "installed", "0.19.0"],
        ["grok", "installed", "1.0.0"],
        ["qwen", "installed", "0.24.0"],
        ["copilot", "installed", "1.0.100"],
        ["opencode", "installed", "1.18.30"]
      ])
      const lines = answer.text.split("\n")
      expect(lines).toHaveLength(allClis.length)
      expect(lines[0]).toBe(`claude 2.0.0 (${fixture("claude")})`)
      expect(lines[1]).toMatch(/^codex: not installed \(.*\/nonexistent\/codex.*\)\. /)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("answers one CLI when asked", () => {
    const f = setup()
    return Effect.gen(function*() {
      const answer = yield* cliVersions.call({ cli: "grok" })
      expect(answer.structured).toEqual({
        versions: [{ cli: "grok", status: "installed", command: fixture("grok"), path: fixture("grok"), version: "1.0.0", raw: "grok 1.0.0" }]
      })
      // Its --version, and its help for the identity check (grok's version line does not tell it from another program).
      expect(f.records().map((r) => [r.cli, ...(r.argv ?? [])])).toEqual([["grok", "--version"], ["grok", "--help"]])
    }).pipe(Effect.provide(f.layer))
  })

  it.live("refuses an unknown CLI or parameter before anything runs", () => {
    const f = setup()
    return Effect.gen(function*() {
      const unknown = yield* Effect.flip(cliVersions.call({ cli: "vim" }))
      expect(unknown._tag).toBe("InvalidRequest")
      const extra = yield* Effect.flip(cliVersions.call({ all: true }))
      expect(extra._tag).toBe("InvalidRequest")
      expect(f.ran()).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })
})

describe("cli_upgrade (real processes)", () => {
  it.live("is a dry run by default: the plan, a readable line, and nothing run", () => {
    const f = setup()
    return Effect.gen(function*() {
      const answer = yield* cliUpgrade.call({ cli: "codex", target: "0.81.0" })
      expect(answer.structured).toEqual({
        dryRun: true,
        plan: {
          cli: "codex",
          target: "0.81.0",
          strategy: "npm-global-install",
          command: fixture("npm"),
          args: ["install", "-g", "@openai/codex@0.81.0"],
          argv: [fixture("npm"), "install", "-g", "@openai/codex@0.81.0"]
        }
      })
      expect(answer.text).toContain("Dry run")
      expect(answer.text).toContain(`${fixture("npm")} install -g @openai/codex@0.81.0`)
      expect(answer.text).toContain("dryRun: false")
      expect(f.ran()).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("runs with dryRun false and answers exit code, duration, tails and both versions", () => {
    const f = setup()
    return Effect.gen(function*() {
      const answer = yield* cliUpgrade.call({ cli: "grok", target: "1.5.0", dryRun: false, timeoutMs: 30_000 })
      expect(answer.structured).toMatchObject({
        dryRun: false,
        exitCode: 0,
        ran: [fixture("grok"), "update", "--version", "1.5.0"],
        stdoutTail: "Updated grok from 1.0.0 to 1.5.0\n",
        versionBefore: { status: "installed", version: "1.0.0" },
        versionAfter: { status: "installed", version: "1.5.0" },
        changed: true
      })
      expect(typeof answer.structured.durationMs).toBe("number")
      expect(answer.text).toContain("1.0.0 → 1.5.0")
      expect(f.records().some((r) => r.argv?.join(" ") === "update --version 1.5.0")).toBe(true)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("a hostile target is UpgradeTargetInvalid, even on a dry run, and nothing runs", () => {
    const f = setup()
    return Effect.gen(function*() {
      for (const target of ["npm:other-pkg", "--registry=https://evil.example", "latest; rm -rf /"]) {
        const error = yield* Effect.flip(cliUpgrade.call({ cli: "gemini", target, dryRun: false, timeoutMs: 30_000 }))
        expect(error._tag).toBe("UpgradeTargetInvalid")
        expect(error.message).toContain("not a plain version or dist-tag")
      }
      expect(f.ran()).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("refuses an empty target, a timeoutMs out of bounds and a missing cli as InvalidRequest", () => {
    const f = setup()
    return Effect.gen(function*() {
      const bad = [
        { cli: "claude", target: "" },
        { cli: "claude", timeoutMs: 29_999 },
        { cli: "claude", timeoutMs: 3_600_001 },
        { cli: "claude", dryRun: "false" },
        { target: "latest" }
      ]
      for (const args of bad) {
        const error = yield* Effect.flip(cliUpgrade.call(args))
        expect(error._tag).toBe("InvalidRequest")
      }
      expect(f.ran()).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })
})
